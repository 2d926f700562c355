import FleetModel
import FleetYAML

/// A `vars:` entry (deprecated in kustomize, still common): the value of one field of one
/// object, substituted for `$(NAME)` in the fields the `varReference` configuration names.
public struct KustomizeVar: Sendable {
    public var name: String
    /// The object it reads: an exact group/version/kind and name (and namespace, if given).
    public var target: GroupVersionKind
    public var targetName: String
    public var targetNamespace: String
    /// Dotted, with `[n]` list indexes (`spec.template.spec.containers[0].image`).
    public var fieldPath: String
    /// The kustomization that declared it, and the line.
    public var origin: String
    public var line: Int

    static let defaultFieldPath = "metadata.name"

    /// kustomize prints a var as `{NAME Kind.version.group {field.path}}` in its errors.
    var description: String {
        func or(_ s: String, _ fallback: String) -> String { s.isEmpty ? fallback : s }
        return "{\(name) \(or(target.kind, "[noKind]")).\(or(target.version, "[noVer]")).\(or(target.group, "[noGrp]")) {\(fieldPath)}}"
    }
}

/// Kustomize's var handling: `MergeVars` when a kustomization's transformers have run (the var
/// is bound to the one object its reference names, by any name that object has had), and
/// `ResolveVars` once at the end of the build, after hash suffixes and name references, so a
/// var naming a ConfigMap yields its final name.
enum VarResolver {
    /// Binds each var of a kustomization to its object and adds it to the build's vars.
    static func merge(_ vars: [KustomizeVar], into collection: inout ResourceCollection, origin: String) throws(RenderError) {
        for variable in vars {
            let wantsNamespace = !variable.targetNamespace.isEmpty || variable.target.isClusterScoped
            let matches = collection.resources.indices.filter { index in
                collection.resources[index].allIDs.contains { id in
                    id.gvk == variable.target && id.name == variable.targetName
                        && (!wantsNamespace || Self.namespace(id.namespace) == Self.namespace(variable.targetNamespace))
                }
            }
            if matches.count > 1 {
                throw RenderError(.invalidKustomization, file: origin, line: variable.line,
                                  "found \(matches.count) resId matches for var \(variable.description) (unable to disambiguate)")
            }
            if let index = matches.first { collection.resources[index].varNames.append(variable.name) }
        }
        try collection.addVars(vars, origin: origin)
    }

    private static func namespace(_ ns: String) -> String { ns.isEmpty ? "default" : ns }

    /// Substitutes every var in the `varReference` fields of every object.
    static func resolve(_ collection: inout ResourceCollection) throws(RenderError) {
        guard !collection.vars.isEmpty else { return }
        var values: [String: Value] = [:]
        for variable in collection.vars {
            guard let holder = collection.resources.first(where: { $0.varNames.contains(variable.name) }) else {
                throw RenderError(.invalidKustomization, file: variable.origin, line: variable.line,
                                  "var '\(variable.description)' cannot be mapped to a field in the set of known resources")
            }
            guard let value = fieldValue(variable.fieldPath, in: holder.object) else {
                throw RenderError(.invalidKustomization, file: variable.origin, line: variable.line,
                                  "field specified in var '\(variable.description)' not found in corresponding resource")
            }
            values[variable.name] = value
        }
        let specs = collection.config.varReference
        for index in collection.resources.indices {
            let gvk = collection.resources[index].gvk
            let id = collection.resources[index].currentID
            for spec in specs where gvk.isSelected(by: spec.gvk) {
                do {
                    try FieldSpecWalker.walk(&collection.resources[index].object, path: spec.path[...], create: false, leaf: .null) {
                        (node: inout Value) throws(VarError) in
                        try substitute(in: &node, values: values)
                    }
                } catch {
                    throw RenderError(.invalidKustomization, file: collection.resources[index].source,
                                      "considering field '\(spec.path.joined(separator: "/"))' of object \(id): \(error.message)")
                }
            }
        }
    }

    struct VarError: Error { var message: String }

    /// kustomize's refvar filter: strings in a scalar, a map's values or a list's items.
    private static func substitute(in node: inout Value, values: [String: Value]) throws(VarError) {
        switch node {
        case .string(let text):
            node = expand(text, values: values)
        case .object(var entries):
            guard entries.values.contains(where: { $0.stringValue?.contains("$") == true }) else { return }
            node = .null
            for (key, value) in entries {
                if case .string(let text) = value { entries[key] = expand(text, values: values) }
            }
            node = .object(entries)
        case .array(var items):
            if items.contains(where: { $0.stringValue == nil }) { throw VarError(message: "invalid value type expect a string") }
            node = .null
            for i in items.indices { items[i] = expand(items[i].stringValue ?? "", values: values) }
            node = .array(items)
        default:
            return
        }
    }

    /// Kubernetes' `$(VAR)` expansion as kustomize forks it: `$$` is a literal `$`, an unknown or
    /// non-scalar var stays written as `$(NAME)`, and a string that is exactly one reference
    /// takes the var's value with its type (`replicas: $(COUNT)` can become a number).
    static func expand(_ input: String, values: [String: Value]) -> Value {
        let bytes = Array(input.utf8)
        guard bytes.contains(UInt8(ascii: "$")) else { return .string(input) }
        var output: [UInt8] = []
        var checkpoint = 0
        var cursor = 0
        while cursor < bytes.count {
            if bytes[cursor] == UInt8(ascii: "$") && cursor + 1 < bytes.count {
                output += bytes[checkpoint..<cursor]
                let next = bytes[cursor + 1]
                var advance = 1
                if next == UInt8(ascii: "$") {
                    output.append(next)
                } else if next == UInt8(ascii: "("), let close = bytes[(cursor + 2)...].firstIndex(of: UInt8(ascii: ")")) {
                    let name = String(decoding: bytes[(cursor + 2)..<close], as: UTF8.self)
                    advance = close - cursor
                    let mapped = values[name].flatMap(scalar)
                    if close - cursor + 1 == bytes.count && cursor == 0 {
                        return mapped ?? .string(input)
                    }
                    output += Array((mapped.map(text) ?? "$(\(name))").utf8)
                } else {
                    output += [UInt8(ascii: "$"), next]
                }
                cursor += advance
                checkpoint = cursor + 1
            }
            cursor += 1
        }
        output += bytes[min(checkpoint, bytes.count)...]
        return .string(String(decoding: output, as: UTF8.self))
    }

    private static func scalar(_ value: Value) -> Value? {
        switch value {
        case .string, .int, .double, .bool: return value
        default: return nil
        }
    }

    /// Go's `%v` of the value.
    private static func text(_ value: Value) -> String {
        switch value {
        case .string(let s): return s
        case .double(let d): return DecimalDigits.goG(d) ?? String(d)
        default: return YAML.plainScalarText(value) ?? ""
        }
    }

    /// kyaml's `GetFieldValue`: `.`-separated fields, `name[n]` or `n` for list elements.
    static func fieldValue(_ path: String, in object: Value) -> Value? {
        var node = object
        for part in path.split(separator: ".", omittingEmptySubsequences: false) {
            var segments: [Substring] = [part]
            if part.hasSuffix("]"), let open = part.lastIndex(of: "["),
               part[part.index(after: open)..<part.index(before: part.endIndex)].allSatisfy(\.isASCIIDigit),
               part.index(after: open) < part.index(before: part.endIndex) {
                let head = part[..<open]
                let index = part[part.index(after: open)..<part.index(before: part.endIndex)]
                segments = head.isEmpty ? [index] : [head, index]
            }
            for segment in segments {
                switch node {
                case .object(let fields):
                    guard let child = fields[String(segment)] else { return nil }
                    node = child
                case .array(let items):
                    guard let i = Int(segment), i >= 0, i < items.count else { return nil }
                    node = items[i]
                default:
                    return nil
                }
            }
        }
        return node.isNull ? nil : node
    }
}

private extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
