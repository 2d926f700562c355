import FleetModel

/// One field where the live object differs from what the plan wants.
public struct Drift: Equatable, Sendable {
    public var pointer: JSONPointer
    /// The plan's value; nil when the plan no longer has the field (we applied it before).
    public var desired: Value?
    /// The live value; nil when the live object lacks the field.
    public var live: Value?

    public init(pointer: JSONPointer, desired: Value?, live: Value?) {
        self.pointer = pointer
        self.desired = desired
        self.live = live
    }
}

/// What an Application's `ignoreDifferences` entry says about one resource.
public struct IgnoreRule: Equatable, Sendable {
    public var group: String?
    public var kind: String?
    public var name: String?
    public var namespace: String?
    public var jsonPointers: [JSONPointer]
    public var managedFieldsManagers: [String]
    /// jq expressions are not evaluated (no jq here); they are reported as unsupported.
    public var jqPathExpressions: [String]

    /// Reads an `ignoreDifferences` entry as Argo CD writes it.
    public init(_ value: Value) throws(JSONPointerError) {
        group = value["group"]?.stringValue
        kind = value["kind"]?.stringValue
        name = value["name"]?.stringValue
        namespace = value["namespace"]?.stringValue
        var pointers: [JSONPointer] = []
        for text in (value["jsonPointers"]?.arrayValue ?? []).compactMap(\.stringValue) {
            pointers.append(try JSONPointer(parsing: text))
        }
        jsonPointers = pointers
        managedFieldsManagers = (value["managedFieldsManagers"]?.arrayValue ?? []).compactMap(\.stringValue)
        jqPathExpressions = (value["jqPathExpressions"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    public func applies(group g: String, kind k: String, name n: String, namespace ns: String) -> Bool {
        (group == nil || group == g || (group == "" && g == "core")) && (kind == nil || kind == k)
            && (name == nil || name == n) && (namespace == nil || namespace == ns)
    }
}

/// Compares a desired object with its live counterpart the way a user expects: no drift for
/// fields the server sets (status, uid, resourceVersion, generation, managedFields,
/// creationTimestamp, selfLink), for fields the plan does not set (defaults, other
/// controllers' fields), for quantities written differently (`1000m` and `1`, `1Gi` and
/// `1024Mi`) or numbers written as strings (`"80"` and `80`); lists of named things
/// (containers, env, volumes, ports) are matched by name. Fields the plan had last time
/// (`lastApplied`) and no longer has are drift while they remain live (three-way).
public enum ResourceDiff {
    public static let maxDrifts = 100

    static let serverMetadata: Set<String> = ["uid", "resourceVersion", "generation", "managedFields", "creationTimestamp", "selfLink", "deletionTimestamp", "deletionGracePeriodSeconds", "ownerReferences"]

    /// The drift of the live object from `desired`, after `rules` (the Application's
    /// ignoreDifferences entries that apply to this resource). `live` is the object as the
    /// cluster returns it: its managedFields decide what `managedFieldsManagers` ignores.
    public static func drift(desired: Value, live: Value, lastApplied: Value? = nil, rules: [IgnoreRule] = []) -> [Drift] {
        var ignored: [JSONPointer] = rules.flatMap(\.jsonPointers)
        let managers = Set(rules.flatMap(\.managedFieldsManagers))
        if !managers.isEmpty, let managed = live["metadata"]?["managedFields"] {
            ignored += ManagedFields.pointers(in: managed, managers: managers, live: live)
        }
        var desired = comparable(desired)
        var live = comparable(live)
        var lastApplied = lastApplied.map(comparable)
        // Longest pointers first, so removing one never shifts the index of another.
        for pointer in ignored.sorted(by: { $0.tokens.count > $1.tokens.count }) {
            desired = remove(pointer, from: desired)
            live = remove(pointer, from: live)
            lastApplied = lastApplied.map { remove(pointer, from: $0) }
        }
        var out: [Drift] = []
        compare(desired, live, lastApplied, JSONPointer(), &out)
        return out
    }

    /// The object without what the server sets (and without `status`, which is never applied).
    public static func comparable(_ object: Value) -> Value {
        guard case .object(var o) = object else { return object }
        o["status"] = nil
        if case .object(var metadata)? = o["metadata"] {
            for key in serverMetadata { metadata[key] = nil }
            if case .object(var annotations)? = metadata["annotations"] {
                annotations["kubectl.kubernetes.io/last-applied-configuration"] = nil
                annotations["deployment.kubernetes.io/revision"] = nil
                metadata["annotations"] = annotations.isEmpty ? nil : .object(annotations)
            }
            o["metadata"] = .object(metadata)
        }
        return .object(o)
    }

    static func remove(_ pointer: JSONPointer, from value: Value) -> Value {
        guard let first = pointer.tokens.first else { return value }
        let rest = JSONPointer(tokens: Array(pointer.tokens.dropFirst()))
        switch value {
        case .object(var o):
            guard let child = o[first] else { return value }
            o[first] = rest.isRoot ? nil : remove(rest, from: child)
            return .object(o)
        case .array(var a):
            guard let index = Int(first), a.indices.contains(index) else { return value }
            if rest.isRoot { a.remove(at: index) } else { a[index] = remove(rest, from: a[index]) }
            return .array(a)
        default:
            return value
        }
    }

    /// The key lists of Kubernetes objects are merged by, in the order to try.
    static let listKeys = ["name", "containerPort", "mountPath", "devicePath", "ip", "type", "topologyKey"]

    private static func listKey(_ elements: [Value]) -> String? {
        guard !elements.isEmpty else { return nil }
        for key in listKeys {
            let keys = elements.map { $0[key]?.scalarText }
            if keys.allSatisfy({ $0 != nil }) && Set(keys.compactMap { $0 }).count == elements.count { return key }
        }
        return nil
    }

    static func compare(_ desired: Value, _ live: Value?, _ last: Value?, _ pointer: JSONPointer, _ out: inout [Drift]) {
        guard out.count < maxDrifts else { return }
        guard let live else {
            out.append(Drift(pointer: pointer, desired: desired, live: nil))
            return
        }
        switch (desired, live) {
        case let (.object(d), .object(l)):
            for (key, value) in d {
                compare(value, l[key], last?[key], pointer.appending(key), &out)
            }
            // Three-way: a field we applied last time and the plan dropped must go.
            if case .object(let lastObject)? = last {
                for key in lastObject.keys where d[key] == nil {
                    if let liveValue = l[key] {
                        out.append(Drift(pointer: pointer.appending(key), desired: nil, live: liveValue))
                    }
                }
            }
        case let (.array(d), .array(l)):
            if let key = listKey(d), listKey(l) == key || l.isEmpty {
                var byKey: [String: Value] = [:]
                for element in l { if let k = element[key]?.scalarText { byKey[k] = element } }
                var lastByKey: [String: Value] = [:]
                for element in last?.arrayValue ?? [] { if let k = element[key]?.scalarText { lastByKey[k] = element } }
                for element in d {
                    let k = element[key]!.scalarText!
                    let index = l.firstIndex { $0[key]?.scalarText == k } ?? d.firstIndex(of: element) ?? 0
                    compare(element, byKey[k], lastByKey[k], pointer.appending(index), &out)
                }
                let desiredKeys = Set(d.compactMap { $0[key]?.scalarText })
                for (index, element) in l.enumerated() {
                    guard let k = element[key]?.scalarText, !desiredKeys.contains(k), lastByKey[k] != nil else { continue }
                    out.append(Drift(pointer: pointer.appending(index), desired: nil, live: element))
                }
            } else if d.count == l.count {
                for index in d.indices {
                    compare(d[index], l[index], last?[index], pointer.appending(index), &out)
                }
            } else {
                out.append(Drift(pointer: pointer, desired: desired, live: live))
            }
        default:
            if !scalarsEqual(desired, live) { out.append(Drift(pointer: pointer, desired: desired, live: live)) }
        }
    }

    /// Equal values, equal quantities (`1000m` and `1`), or a number and its string.
    static func scalarsEqual(_ a: Value, _ b: Value) -> Bool {
        if a == b { return true }
        guard let x = a.scalarText, let y = b.scalarText else { return false }
        let aIsString = a.stringValue != nil, bIsString = b.stringValue != nil
        guard aIsString || bIsString else { return false }
        if x == y, a.isNumber || b.isNumber { return true }
        if let qa = Quantity(x), let qb = Quantity(y) { return qa == qb }
        return false
    }
}

/// Kubernetes' managedFields (`fieldsV1`) as JSON pointers into the live object, for
/// `ignoreDifferences.managedFieldsManagers`: fields owned by those managers are not drift.
public enum ManagedFields {
    public static func pointers(in managedFields: Value, managers: Set<String>, live: Value? = nil) -> [JSONPointer] {
        var out: [JSONPointer] = []
        for entry in managedFields.arrayValue ?? [] {
            guard let manager = entry["manager"]?.stringValue, managers.contains(manager), let fields = entry["fieldsV1"] else { continue }
            walk(fields, JSONPointer(), live, &out)
        }
        return out
    }

    private static func walk(_ fields: Value, _ pointer: JSONPointer, _ live: Value?, _ out: inout [JSONPointer]) {
        guard case .object(let o) = fields else { return }
        if o.isEmpty || o.keys.contains(".") {
            out.append(pointer)
            if o.count <= 1 { return }
        }
        for (key, child) in o where key != "." {
            if key.hasPrefix("f:") {
                let name = String(key.dropFirst(2))
                walk(child, pointer.appending(name), live?[name], &out)
            } else if key.hasPrefix("k:"), let keyObject = try? JSON.parse(String(key.dropFirst(2))), case .object(let match) = keyObject,
                      let items = live?.arrayValue {
                if let index = items.firstIndex(where: { item in match.allSatisfy { item[$0.key] == $0.value } }) {
                    walk(child, pointer.appending(index), items[index], &out)
                }
            } else if key.hasPrefix("i:"), let index = Int(key.dropFirst(2)) {
                walk(child, pointer.appending(index), live?[index], &out)
            }
        }
    }
}
