import FleetModel
import FleetYAML

/// `vars:` entries and `configurations:` files.
extension KustomizationDecoder {
    func vars(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [KustomizeVar] {
        var result: [KustomizeVar] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: ["name", "objref", "fieldref"])
            guard let name = try optionalString(fields["name"], at: at.appending("name")), !name.isEmpty else {
                throw fail(at, "a vars entry needs a name")
            }
            let refAt = at.appending("objref")
            let ref = try object(fields["objref"] ?? .emptyObject, at: refAt,
                                 allowed: ["group", "version", "kind", "name", "namespace", "apiVersion"])
            func text(_ key: String) throws(RenderError) -> String { try optionalString(ref[key], at: refAt.appending(key)) ?? "" }
            var target = GroupVersionKind(group: try text("group"), version: try text("version"), kind: try text("kind"))
            // kustomize's Target.GVK: an apiVersion overrides group and version.
            let apiVersion = try text("apiVersion")
            if !apiVersion.isEmpty {
                let parts = apiVersion.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
                if parts.count == 2 {
                    target.group = parts[0]
                    target.version = parts[1]
                } else {
                    target.version = parts[0]
                }
            }
            var fieldPath = KustomizeVar.defaultFieldPath
            if let fieldRef = fields["fieldref"], !fieldRef.isNull {
                let refFields = try object(fieldRef, at: at.appending("fieldref"), allowed: ["fieldPath"])
                fieldPath = try optionalString(refFields["fieldPath"], at: at.appending("fieldref").appending("fieldPath")) ?? ""
                if fieldPath.isEmpty { fieldPath = KustomizeVar.defaultFieldPath }
            }
            result.append(KustomizeVar(name: name, target: target, targetName: try text("name"), targetNamespace: try text("namespace"),
                                       fieldPath: fieldPath, origin: displayPath, line: lines.line(of: at)))
        }
        return result
    }

    /// The field lists a `configurations:` file may hold.
    private static var configFieldSpecLists: [(String, WritableKeyPath<TransformerConfig, [FieldSpec]>)] { [
        ("namePrefix", \.namePrefix), ("nameSuffix", \.nameSuffix), ("namespace", \.namespace),
        ("commonLabels", \.commonLabels), ("templateLabels", \.templateLabels), ("labels", \.labels), ("commonAnnotations", \.commonAnnotations),
        ("images", \.images), ("replicas", \.replicas), ("varReference", \.varReference),
    ] }

    /// A `configurations:` file, read as kustomize reads it (strictly, into its
    /// TransformerConfig): unknown fields are errors, field names match case-insensitively.
    static func decodeTransformerConfig(_ document: YAMLDocument, path: String, displayPath: String) throws(RenderError) -> TransformerConfig {
        let decoder = KustomizationDecoder(path: path, displayPath: displayPath, lines: document)
        let root = JSONPointer()
        var config = TransformerConfig.empty
        if document.value.isNull { return config }
        let known = Set(configFieldSpecLists.map(\.0)).union(["nameReference"])
        let fields = try decoder.object(document.value, at: root, allowed: known)
        for (key, keyPath) in configFieldSpecLists {
            config[keyPath: keyPath] = try decoder.fieldSpecs(fields[key], at: root.appending(key))
        }
        for (index, item) in try decoder.list(fields["nameReference"], at: root.appending("nameReference")).enumerated() {
            let at = root.appending("nameReference").appending(index)
            let entry = try decoder.object(item, at: at, allowed: ["group", "version", "kind", "fieldSpecs"])
            func text(_ key: String) throws(RenderError) -> String { try decoder.optionalString(entry[key], at: at.appending(key)) ?? "" }
            let target = GroupVersionKind(group: try text("group"), version: try text("version"), kind: try text("kind"))
            let referrers = try decoder.fieldSpecs(entry["fieldSpecs"], at: at.appending("fieldSpecs"))
            if let existing = config.nameReference.firstIndex(where: { $0.target == target }) {
                do {
                    try TransformerConfig.merge(&config.nameReference[existing].referrers, referrers, "nameReference")
                } catch {
                    throw decoder.fail(at, error.message)
                }
            } else {
                config.nameReference.append(NameReference(target: target, referrers: referrers))
            }
        }
        return config
    }

    private func fieldSpecs(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [FieldSpec] {
        var specs: [FieldSpec] = []
        for (index, item) in try list(value, at: pointer).enumerated() { specs.append(try fieldSpec(item, at: pointer.appending(index))) }
        return specs
    }
}
