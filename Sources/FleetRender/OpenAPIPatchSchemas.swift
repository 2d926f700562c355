import FleetModel

/// A kustomization's `openapi:` field: a custom schema file, or a built-in schema version.
public enum OpenAPIField: Sendable, Equatable {
    case path(String)
    case version(String)

    /// The only built-in schema kubectl v1.32's kustomize carries.
    static let builtinVersion = "v1.21.2"
}

/// The merge keys a custom OpenAPI schema (`openapi: {path: schema.json}`) gives, by type.
///
/// kubectl uses such a schema instead of its built-in one, for every type of the build: a type
/// the file does not define (a Deployment, say) then has no merge keys at all and its lists are
/// replaced by patches. Types are found by `x-kubernetes-group-version-kind`; a list merges by
/// `x-kubernetes-patch-merge-key` when its `x-kubernetes-patch-strategy` says merge.
/// When kubectl had loaded its built-in schema before the custom one arrived (observed: a
/// schema set by a Component), the custom definitions are added to the built-in ones: then
/// references the file lacks (`io.k8s.api.core.v1.PodTemplateSpec`) and types it does not
/// define keep their built-in merge keys; otherwise they have none.
/// Definitions are converted once each (by `$ref` name); a recursive reference ends in an
/// opaque node, so a hostile schema costs at most one pass over its definitions.
final class OpenAPIPatchSchemas {
    private let definitions: ValueObject
    private var definitionsByType: [GroupVersionKind: String] = [:]
    private var converted: [String: PatchSchema] = [:]
    private var converting = Set<String>()

    private let extendsBuiltin: Bool

    init(document: Value, extendsBuiltin: Bool) {
        self.extendsBuiltin = extendsBuiltin
        definitions = document["definitions"]?.objectValue ?? [:]
        for (name, definition) in definitions {
            guard case .array(let types)? = definition["x-kubernetes-group-version-kind"] else { continue }
            for type in types {
                let gvk = GroupVersionKind(group: type["group"]?.stringValue ?? "", version: type["version"]?.stringValue ?? "",
                                           kind: type["kind"]?.stringValue ?? "")
                if definitionsByType[gvk] == nil { definitionsByType[gvk] = name }
            }
        }
    }

    func schema(for gvk: GroupVersionKind) -> PatchSchema? {
        guard let name = definitionsByType[gvk] else { return extendsBuiltin ? BuiltinPatchSchemas.schema(for: gvk) : nil }
        return definition(name)
    }

    private func definition(_ name: String) -> PatchSchema {
        if let done = converted[name] { return done }
        guard !converting.contains(name) else { return .opaque }
        guard let node = definitions[name] else { return extendsBuiltin ? BuiltinPatchSchemas.definitions[name] ?? .opaque : .opaque }
        converting.insert(name)
        let schema = convert(node)
        converting.remove(name)
        converted[name] = schema
        return schema
    }

    private func convert(_ node: Value) -> PatchSchema {
        if let reference = node["$ref"]?.stringValue {
            let prefix = "#/definitions/"
            return reference.hasPrefix(prefix) ? definition(String(reference.dropFirst(prefix.count))) : .opaque
        }
        if let items = node["items"], case .object = items {
            let strategy = node["x-kubernetes-patch-strategy"]?.stringValue ?? ""
            let key = node["x-kubernetes-patch-merge-key"]?.stringValue ?? ""
            let merge: ListMerge
            if strategy.split(separator: ",").contains("merge") {
                merge = key.isEmpty ? .primitives : .byKey(key)
            } else {
                merge = .replace
            }
            return .list(item: convert(items), merge: merge)
        }
        if case .object(let properties)? = node["properties"] {
            var fields: [String: PatchSchema] = [:]
            for (field, property) in properties {
                let schema = convert(property)
                if case .opaque = schema { continue }
                fields[field] = schema
            }
            return fields.isEmpty ? .opaque : .object(fields)
        }
        return .opaque
    }
}
