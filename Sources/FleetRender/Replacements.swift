import FleetModel
import FleetYAML

/// A `replacements:` entry: copy one field of one resource (the source) into fields of others.
public struct Replacement: Sendable {
    /// Which resources a source or target names: empty fields match anything; names and
    /// namespaces are compared exactly (not as patterns), against every id a resource has had.
    public struct Selector: Sendable, Equatable {
        public var gvk = GroupVersionKind(group: "", version: "", kind: "")
        public var name = ""
        public var namespace = ""
        public var labelSelector = ""
        public var annotationSelector = ""

        var isIDEmpty: Bool { gvk.group.isEmpty && gvk.version.isEmpty && gvk.kind.isEmpty && name.isEmpty && namespace.isEmpty }

        var description: String {
            func or(_ s: String, _ fallback: String) -> String { s.isEmpty ? fallback : s }
            return "\(or(gvk.kind, "[noKind]")).\(or(gvk.version, "[noVer]")).\(or(gvk.group, "[noGrp]"))/\(or(name, "[noName]")).\(or(namespace, "[noNs]"))"
        }
    }

    /// `options:` of a source or target.
    public struct Options: Sendable, Equatable {
        public var delimiter = ""
        public var index = 0
        public var create = false
    }

    public struct Target: Sendable {
        public var select: Selector
        public var reject: [Selector]
        public var fieldPaths: [String]
        public var options: Options
    }

    public var source: Selector
    public var sourceFieldPath: String
    public var sourceOptions: Options
    public var targets: [Target]
    public var line: Int

    static let defaultFieldPath = "metadata.name"
}

/// A `replacements:` list item: written inline, or a file holding one replacement or a list.
public enum ReplacementEntry: Sendable {
    case inline(Replacement)
    case file(String, line: Int)
}

/// Kustomize's replacement transformer (api/filters/replacement), run after the other
/// built-in transformers of a kustomization.
enum ReplacementTransformer {
    static func apply(_ replacement: Replacement, to collection: inout ResourceCollection, origin: String) throws(RenderError) {
        let line = replacement.line
        let sourceIndex = try selectSource(replacement.source, in: collection, origin: origin, line: line)
        let fieldPath = replacement.sourceFieldPath.isEmpty ? Replacement.defaultFieldPath : replacement.sourceFieldPath
        let path = try ReplacementPath(fieldPath, origin: origin, line: line)
        guard var value = path.lookup(in: collection.resources[sourceIndex].object), !isNilOrEmpty(value) else {
            throw RenderError(.invalidKustomization, file: origin, line: line,
                              "fieldPath `\(fieldPath)` is missing for replacement source \(replacement.source.description)")
        }
        if !replacement.sourceOptions.delimiter.isEmpty {
            guard let text = scalarText(value) else {
                throw RenderError(.invalidKustomization, file: origin, line: line, "delimiter option can only be used with scalar nodes")
            }
            let parts = text.split(separator: replacement.sourceOptions.delimiter, omittingEmptySubsequences: false).map(String.init)
            let index = replacement.sourceOptions.index
            guard index >= 0, index < parts.count else {
                throw RenderError(.invalidKustomization, file: origin, line: line, "options.index \(index) is out of bounds for value \(text)")
            }
            value = .string(parts[index])
        }

        for target in replacement.targets {
            let fieldPaths = target.fieldPaths.isEmpty ? [Replacement.defaultFieldPath] : target.fieldPaths
            let paths = try fieldPaths.map { path throws(RenderError) in (path, try ReplacementPath(path, origin: origin, line: line)) }
            let labels: LabelSelector, annotations: LabelSelector
            do {
                labels = try LabelSelector(parsing: target.select.labelSelector)
                annotations = try LabelSelector(parsing: target.select.annotationSelector)
            } catch {
                throw RenderError(.invalidKustomization, file: origin, line: line, "replacement target: \(error)")
            }
            let rejections = try target.reject.map { reject throws(RenderError) -> (Replacement.Selector, LabelSelector?, LabelSelector?) in
                do {
                    return (reject, reject.labelSelector.isEmpty ? nil : try LabelSelector(parsing: reject.labelSelector),
                            reject.annotationSelector.isEmpty ? nil : try LabelSelector(parsing: reject.annotationSelector))
                } catch {
                    throw RenderError(.invalidKustomization, file: origin, line: line, "replacement reject: \(error)")
                }
            }
            for index in collection.resources.indices {
                let resource = collection.resources[index]
                if !labels.isEmpty && !labels.matches(resource.labels) { continue }
                if !annotations.isEmpty && !annotations.matches(resource.annotations) { continue }
                let rejectedByMetadata = rejections.contains { _, labels, annotations in
                    guard labels != nil || annotations != nil else { return false }
                    return (labels?.matches(resource.labels) ?? true) && (annotations?.matches(resource.annotations) ?? true)
                }
                if rejectedByMetadata { continue }
                // Selected by any id it has had; rejected by any, too (a reject of the base's
                // name still holds after an overlay's suffix).
                let ids = resource.allIDs
                guard ids.contains(where: { isSelected($0, by: target.select) }) else { continue }
                let rejected = rejections.contains { reject, _, _ in !reject.isIDEmpty && ids.contains { isSelected($0, by: reject) } }
                if rejected { continue }
                for (text, path) in paths {
                    let found = try path.update(&collection.resources[index].object, create: target.options.create) { (node: inout Value, created: Bool) throws(RenderError) in
                        try setValue(value, into: &node, created: created, options: target.options, origin: origin, line: line)
                    }
                    if found == 0 {
                        throw RenderError(.invalidKustomization, file: origin, line: line,
                                          target.options.create ? "unable to find or create field \"\(text)\" in replacement target"
                                                                : "unable to find field \"\(text)\" in replacement target")
                    }
                }
            }
        }
    }

    /// kyaml's `ResId.IsSelectedBy`: empty selector fields match anything; the namespace
    /// compares as effective namespaces (no namespace is `default`).
    static func isSelected(_ id: ResourceID, by selector: Replacement.Selector) -> Bool {
        (selector.name.isEmpty || selector.name == id.name)
            && (selector.namespace.isEmpty || (selector.namespace == "default" ? "" : selector.namespace) == (id.effectiveNamespace == "default" ? "" : id.effectiveNamespace))
            && id.gvk.isSelected(by: selector.gvk)
    }

    private static func selectSource(_ selector: Replacement.Selector, in collection: ResourceCollection, origin: String, line: Int) throws(RenderError) -> Int {
        var match: Int?
        for index in collection.resources.indices where collection.resources[index].allIDs.contains(where: { isSelected($0, by: selector) }) {
            if match != nil {
                throw RenderError(.invalidKustomization, file: origin, line: line, "multiple matches for selector \(selector.description)")
            }
            match = index
        }
        guard let match else {
            throw RenderError(.invalidKustomization, file: origin, line: line, "nothing selected by \(selector.description)")
        }
        return match
    }

    /// Writes the source value: into a scalar only its text (the target keeps its type, as
    /// kyaml copies the value but not the tag), anything else replaced by the value itself.
    private static func setValue(_ value: Value, into node: inout Value, created: Bool, options: Replacement.Options,
                                 origin: String, line: Int) throws(RenderError) {
        var value = value
        if !options.delimiter.isEmpty {
            guard let targetText = scalarText(node) else {
                throw RenderError(.invalidKustomization, file: origin, line: line, "delimiter option can only be used with scalar nodes")
            }
            var parts = targetText.split(separator: options.delimiter, omittingEmptySubsequences: false).map(String.init)
            let text = scalarText(value) ?? ""
            if options.index < 0 {
                parts.insert(text, at: 0)
            } else if options.index >= parts.count {
                parts.append(text)
            } else {
                parts[options.index] = text
            }
            value = .string(parts.joined(separator: options.delimiter))
        }
        guard !created, let text = scalarText(value), scalarText(node) != nil, !node.isNull else {
            node = value
            return
        }
        if case .string = node {
            node = .string(text)
        } else {
            node = (try? YAML.parse(text)).flatMap { parsed -> Value? in
                switch parsed {
                case .object, .array: return nil
                default: return parsed
                }
            } ?? .string(text)
        }
    }

    static func scalarText(_ value: Value) -> String? {
        if case .string(let s) = value { return s }
        return YAML.plainScalarText(value)
    }

    private static func isNilOrEmpty(_ value: Value) -> Bool {
        switch value {
        case .null: return true
        case .object(let o): return o.isEmpty
        case .array(let a): return a.isEmpty
        default: return false
        }
    }
}

/// A replacement field path (kyaml's): `.`-separated fields, `[key=value]` list element
/// selectors, numeric list indexes and `*` for every element of a list. Dots inside
/// brackets belong to the selector (`[name=app.v1]`).
struct ReplacementPath {
    enum Segment: Equatable {
        case field(String)
        case match(key: String, value: String)
        case index(Int)
        case every
    }

    let segments: [Segment]

    init(_ text: String, origin: String, line: Int) throws(RenderError) {
        var parts: [String] = []
        var current = ""
        var depth = 0
        for c in text {
            switch c {
            case "[": depth += 1; current.append(c)
            case "]": depth -= 1; current.append(c)
            case "." where depth == 0:
                parts.append(current)
                current = ""
            default: current.append(c)
            }
        }
        parts.append(current)
        var segments: [Segment] = []
        for part in parts {
            if part.hasPrefix("["), part.hasSuffix("]") {
                let inner = part.dropFirst().dropLast()
                guard let equals = inner.firstIndex(of: "=") else {
                    throw RenderError(.invalidKustomization, file: origin, line: line, "fieldPath \"\(text)\": \"\(part)\" must be [key=value]")
                }
                segments.append(.match(key: String(inner[..<equals]), value: String(inner[inner.index(after: equals)...])))
            } else if part == "*" {
                segments.append(.every)
            } else if let index = Int(part), index >= 0, part.allSatisfy(\.isASCII) {
                segments.append(.index(index))
            } else if part.isEmpty {
                throw RenderError(.invalidKustomization, file: origin, line: line, "fieldPath \"\(text)\" has an empty segment")
            } else {
                segments.append(.field(part))
            }
        }
        self.segments = segments
    }

    /// The one node the path names (the first match of a selector), or nil.
    func lookup(in value: Value) -> Value? {
        var node = value
        for segment in segments {
            switch (segment, node) {
            case (.field(let name), .object(let fields)):
                guard let child = fields[name] else { return nil }
                node = child
            case (.match(let key, let wanted), .array(let items)):
                guard let item = items.first(where: { Self.matches($0, key: key, value: wanted) }) else { return nil }
                node = item
            case (.index(let i), .array(let items)):
                guard i < items.count else { return nil }
                node = items[i]
            default:
                return nil
            }
        }
        return node
    }

    /// Calls `visit` on every node the path reaches (creating missing fields and selected list
    /// elements when `create`); the result counts them.
    func update(_ value: inout Value, create: Bool, visit: (inout Value, Bool) throws(RenderError) -> Void) throws(RenderError) -> Int {
        try walk(&value, segments[...], create: create, created: false, visit: visit)
    }

    private func walk(_ node: inout Value, _ rest: ArraySlice<Segment>, create: Bool, created: Bool,
                      visit: (inout Value, Bool) throws(RenderError) -> Void) throws(RenderError) -> Int {
        guard let segment = rest.first else {
            try visit(&node, created)
            return 1
        }
        let next = rest.dropFirst()
        switch segment {
        case .field(let name):
            if node.isNull && create { node = .emptyObject }
            guard case .object(var fields) = node else { return 0 }
            var child: Value
            var isNew = false
            if let existing = fields[name] {
                child = existing
            } else {
                guard create else { return 0 }
                child = .null
                isNew = true
            }
            node = .null
            fields[name] = .null
            let count = try walk(&child, next, create: create, created: isNew, visit: visit)
            if count > 0 || !isNew { fields[name] = child } else { fields[name] = nil }
            node = .object(fields)
            return count
        case .match(let key, let wanted):
            if node.isNull && create { node = .array([]) }
            guard case .array(var items) = node else { return 0 }
            node = .null
            var count = 0
            for i in items.indices where Self.matches(items[i], key: key, value: wanted) {
                count += try walk(&items[i], next, create: create, created: false, visit: visit)
            }
            if count == 0 && create && !items.contains(where: { Self.matches($0, key: key, value: wanted) }) {
                var element: Value = .object([key: .string(wanted)])
                count = try walk(&element, next, create: create, created: false, visit: visit)
                if count > 0 { items.append(element) }
            }
            node = .array(items)
            return count
        case .index(let i):
            guard case .array(var items) = node, i < items.count else { return 0 }
            node = .null
            let count = try walk(&items[i], next, create: create, created: false, visit: visit)
            node = .array(items)
            return count
        case .every:
            guard case .array(var items) = node else { return 0 }
            node = .null
            var count = 0
            for i in items.indices { count += try walk(&items[i], next, create: create, created: false, visit: visit) }
            node = .array(items)
            return count
        }
    }

    private static func matches(_ element: Value, key: String, value: String) -> Bool {
        guard let field = element[key] else { return false }
        return ReplacementTransformer.scalarText(field) == value
    }
}
