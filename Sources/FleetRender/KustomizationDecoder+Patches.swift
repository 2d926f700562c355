import FleetModel
import FleetYAML

/// `patches:`, and the legacy `patchesStrategicMerge:` and `patchesJson6902:`.
extension KustomizationDecoder {
    func patches(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [PatchEntry] {
        var result: [PatchEntry] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: ["path", "patch", "target", "options"])
            var entry = try patchSource(fields, at: at)
            if let target = fields["target"], !target.isNull { entry.target = try patchTarget(target, at: at.appending("target")) }
            if let options = fields["options"], !options.isNull {
                let optionFields = try object(options, at: at.appending("options"), allowed: ["allowNameChange", "allowKindChange"])
                entry.allowNameChange = try bool(optionFields["allowNameChange"], at: at.appending("options").appending("allowNameChange"))
                entry.allowKindChange = try bool(optionFields["allowKindChange"], at: at.appending("options").appending("allowKindChange"))
            }
            result.append(entry)
        }
        return result
    }

    func patchSource(_ fields: ValueObject, at pointer: JSONPointer) throws(RenderError) -> PatchEntry {
        let path = try optionalString(fields["path"], at: pointer.appending("path"))
        let patch = try optionalString(fields["patch"], at: pointer.appending("patch"))
        let line = lines.line(of: pointer)
        switch (path, patch) {
        case let (path?, nil) where !path.isEmpty: return PatchEntry(source: .file(path), line: line)
        case let (nil, patch?) where !patch.isEmpty: return PatchEntry(source: .inline(patch), line: line)
        case (.some, .some): throw fail(pointer, "patch and path can't be set at the same time")
        default: throw fail(pointer, "must specify one of patch and path")
        }
    }

    func patchTarget(_ value: Value, at pointer: JSONPointer) throws(RenderError) -> PatchTarget {
        let fields = try object(value, at: pointer, allowed: ["group", "version", "kind", "name", "namespace", "labelSelector", "annotationSelector"])
        var target = PatchTarget()
        target.group = try optionalString(fields["group"], at: pointer.appending("group")) ?? ""
        target.version = try optionalString(fields["version"], at: pointer.appending("version")) ?? ""
        target.kind = try optionalString(fields["kind"], at: pointer.appending("kind")) ?? ""
        target.name = try optionalString(fields["name"], at: pointer.appending("name")) ?? ""
        target.namespace = try optionalString(fields["namespace"], at: pointer.appending("namespace")) ?? ""
        target.labelSelector = try optionalString(fields["labelSelector"], at: pointer.appending("labelSelector")) ?? ""
        target.annotationSelector = try optionalString(fields["annotationSelector"], at: pointer.appending("annotationSelector")) ?? ""
        return target
    }

    /// `patchesStrategicMerge:` entries are file paths or inline YAML documents.
    func strategicMergePatches(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [PatchEntry] {
        var result: [PatchEntry] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            guard case .string(let text) = item else { throw fail(at, "patchesStrategicMerge entries must be strings, found \(item.typeName)") }
            let isInline = text.utf8.contains(UInt8(ascii: "\n")) || text.contains(": ")
            result.append(PatchEntry(source: isInline ? .inline(text) : .file(text), line: lines.line(of: at)))
        }
        return result
    }

    func json6902Patches(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [PatchEntry] {
        var result: [PatchEntry] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: ["path", "patch", "target"])
            var entry = try patchSource(fields, at: at)
            guard let target = fields["target"], !target.isNull else { throw fail(at, "a patchesJson6902 entry needs a target") }
            entry.target = try patchTarget(target, at: at.appending("target"))
            result.append(entry)
        }
        return result
    }
}
