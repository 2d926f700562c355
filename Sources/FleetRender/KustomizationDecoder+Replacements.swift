import FleetModel
import FleetYAML

/// `replacements:` entries, inline or from files.
extension KustomizationDecoder {

    func replacementEntries(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [ReplacementEntry] {
        var entries: [ReplacementEntry] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: ["path", "source", "targets"])
            if let path = try optionalString(fields["path"], at: at.appending("path")) {
                if fields["source"] != nil || fields["targets"] != nil {
                    throw fail(at, "a replacements entry has either a path or a source and targets, not both")
                }
                entries.append(.file(path, line: lines.line(of: at)))
            } else {
                entries.append(.inline(try replacement(fields, at: at)))
            }
        }
        return entries
    }

    /// The replacements of a file named by `replacements: - path:` (one, or a list).
    static func decodeReplacementFile(_ document: YAMLDocument, path: String, displayPath: String) throws(RenderError) -> [Replacement] {
        let decoder = KustomizationDecoder(path: path, displayPath: displayPath, lines: document)
        let root = JSONPointer()
        switch document.value {
        case .array(let items):
            var result: [Replacement] = []
            for (index, item) in items.enumerated() {
                result.append(try decoder.replacement(try decoder.object(item, at: root.appending(index), allowed: ["source", "targets"]), at: root.appending(index)))
            }
            return result
        case .object:
            return [try decoder.replacement(try decoder.object(document.value, at: root, allowed: ["source", "targets"]), at: root)]
        default:
            throw decoder.fail(root, "a replacements file must hold a replacement or a list of them, found \(document.value.typeName)")
        }
    }

    func replacement(_ fields: ValueObject, at pointer: JSONPointer) throws(RenderError) -> Replacement {
        guard let sourceValue = fields["source"], !sourceValue.isNull, let targetsValue = fields["targets"], !targetsValue.isNull else {
            throw fail(pointer, "replacements must specify a source and at least one target")
        }
        let sourceAt = pointer.appending("source")
        let sourceFields = try object(sourceValue, at: sourceAt, allowed: ["group", "version", "kind", "name", "namespace", "fieldPath", "options"])
        var targets: [Replacement.Target] = []
        for (index, item) in try list(targetsValue, at: pointer.appending("targets")).enumerated() {
            let at = pointer.appending("targets").appending(index)
            let targetFields = try object(item, at: at, allowed: ["select", "reject", "fieldPaths", "options"])
            guard let select = targetFields["select"], !select.isNull else { throw fail(at, "target must specify resources to select") }
            var rejects: [Replacement.Selector] = []
            for (rejectIndex, reject) in try list(targetFields["reject"], at: at.appending("reject")).enumerated() {
                rejects.append(try replacementSelector(reject, at: at.appending("reject").appending(rejectIndex), allowed: Self.selectorFields))
            }
            targets.append(Replacement.Target(
                select: try replacementSelector(select, at: at.appending("select"), allowed: Self.selectorFields),
                reject: rejects,
                fieldPaths: try stringList(targetFields["fieldPaths"], at: at.appending("fieldPaths")).map(\.0),
                options: try replacementOptions(targetFields["options"], at: at.appending("options"))))
        }
        return Replacement(
            source: try replacementSelector(sourceValue, at: sourceAt, allowed: Self.selectorFields.union(["fieldPath", "options"])),
            sourceFieldPath: try optionalString(sourceFields["fieldPath"], at: sourceAt.appending("fieldPath")) ?? "",
            sourceOptions: try replacementOptions(sourceFields["options"], at: sourceAt.appending("options")),
            targets: targets, line: lines.line(of: pointer))
    }

    static let selectorFields: Set<String> = ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"]

    func replacementSelector(_ value: Value, at pointer: JSONPointer, allowed: Set<String>) throws(RenderError) -> Replacement.Selector {
        let fields = try object(value, at: pointer, allowed: allowed)
        func text(_ key: String) throws(RenderError) -> String { try optionalString(fields[key], at: pointer.appending(key)) ?? "" }
        var selector = Replacement.Selector()
        selector.gvk = GroupVersionKind(group: try text("group"), version: try text("version"), kind: try text("kind"))
        selector.name = try text("name")
        selector.namespace = try text("namespace")
        selector.labelSelector = try text("labelSelector")
        selector.annotationSelector = try text("annotationSelector")
        return selector
    }

    func replacementOptions(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> Replacement.Options {
        guard let value, !value.isNull else { return Replacement.Options() }
        let fields = try object(value, at: pointer, allowed: ["delimiter", "index", "create"])
        var options = Replacement.Options()
        options.delimiter = try optionalString(fields["delimiter"], at: pointer.appending("delimiter")) ?? ""
        options.create = try bool(fields["create"], at: pointer.appending("create"))
        if let index = fields["index"], !index.isNull {
            guard case .int(let n) = index else { throw fail(pointer.appending("index"), "options.index must be an integer, found \(index.typeName) \(index)") }
            options.index = n
        }
        return options
    }
}
