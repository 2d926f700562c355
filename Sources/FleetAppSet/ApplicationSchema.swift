import FleetModel
import FleetTemplate
import OrderedCollections

/// The shape of Argo CD's `Application` Go types, as far as their JSON encoding shows through:
/// `omitempty` fields disappear when empty (`""`, `false`, `0`, empty lists and maps), fields
/// without it are always written (a missing `project` is `""`, a missing `destination` is
/// `{}`), and pointer-to-struct fields stay when set even if empty (`automated: {}`).
/// Applying it makes our Applications read back exactly as Argo CD writes them. Fields the
/// table does not know are kept as they are.
indirect enum ApplicationShape: Sendable {
    /// A scalar or a list of scalars; `keep`: written even when empty (`""` when absent).
    case value(keep: Bool)
    /// A pointer to a scalar (`*bool`, `*int64`): written whenever present, even when zero.
    case pointer
    /// A map of user data (labels, annotations): omitted only when empty and `omitEmpty`.
    case map
    /// A struct; `pointer`: omitted only when absent; otherwise always written.
    case structure(pointer: Bool, fields: [String: ApplicationShape])
    /// A list of structs, omitted when empty.
    case list(ApplicationShape)

    static let omit = ApplicationShape.value(keep: false)

    static let source: ApplicationShape = .structure(pointer: true, fields: [
        "repoURL": .value(keep: true), "path": omit, "targetRevision": omit, "chart": omit, "ref": omit, "name": omit,
        "helm": .structure(pointer: true, fields: [
            "valueFiles": omit, "releaseName": omit, "values": omit, "version": omit, "passCredentials": omit,
            "ignoreMissingValueFiles": omit, "skipCrds": omit, "skipTests": omit, "skipSchemaValidation": omit,
            "namespace": omit, "kubeVersion": omit, "apiVersions": omit,
            "parameters": .list(.structure(pointer: false, fields: ["name": omit, "value": omit, "forceString": omit])),
            "fileParameters": .list(.structure(pointer: false, fields: ["name": omit, "path": omit])),
        ]),
        "kustomize": .structure(pointer: true, fields: [
            "namePrefix": omit, "nameSuffix": omit, "images": omit, "commonLabels": .map, "commonAnnotations": .map,
            "version": omit, "forceCommonLabels": omit, "forceCommonAnnotations": omit, "namespace": omit,
            "commonAnnotationsEnvsubst": omit, "labelWithoutSelector": omit, "labelIncludeTemplates": omit,
            "components": omit, "kubeVersion": omit, "apiVersions": omit, "ignoreMissingComponents": omit,
            "replicas": .list(.structure(pointer: false, fields: ["name": .value(keep: true), "count": .value(keep: true)])),
            "patches": .list(.structure(pointer: false, fields: ["path": omit, "patch": omit, "target": .structure(pointer: true, fields: [:]), "options": .map])),
        ]),
        "directory": .structure(pointer: true, fields: [
            "recurse": omit, "exclude": omit, "include": omit,
            "jsonnet": .structure(pointer: false, fields: ["extVars": omit, "tlas": omit, "libs": omit]),
        ]),
        "plugin": .structure(pointer: true, fields: ["name": omit, "env": omit, "parameters": omit]),
    ])

    static let spec: ApplicationShape = .structure(pointer: false, fields: [
        "source": source,
        "sources": .list(source),
        "destination": .structure(pointer: false, fields: ["server": omit, "namespace": omit, "name": omit]),
        "project": .value(keep: true),
        "syncPolicy": .structure(pointer: true, fields: [
            "automated": .structure(pointer: true, fields: ["prune": omit, "selfHeal": omit, "allowEmpty": omit, "enabled": .pointer]),
            "syncOptions": omit,
            "retry": .structure(pointer: true, fields: [
                "limit": omit,
                "backoff": .structure(pointer: true, fields: ["duration": omit, "factor": .pointer, "maxDuration": omit]),
            ]),
            "managedNamespaceMetadata": .structure(pointer: true, fields: ["labels": .map, "annotations": .map]),
        ]),
        "ignoreDifferences": .list(.structure(pointer: false, fields: [
            "group": omit, "kind": .value(keep: true), "name": omit, "namespace": omit,
            "jsonPointers": omit, "jqPathExpressions": omit, "managedFieldsManagers": omit,
        ])),
        "info": .list(.structure(pointer: false, fields: ["name": .value(keep: true), "value": .value(keep: true)])),
        "revisionHistoryLimit": .pointer,
    ])

    /// `value` encoded as this shape is; nil when the field disappears.
    func encode(_ value: Value?) -> Value? {
        switch self {
        case .value(let keep):
            guard let value else { return keep ? .string("") : Value?.none }
            return keep || !value.isGoEmpty ? value : Value?.none
        case .pointer:
            return value
        case .map:
            guard let value, case .object(let o) = value, !o.isEmpty else { return nil }
            return value
        case .list(let element):
            guard let value, case .array(let items) = value, !items.isEmpty else { return nil }
            return .array(items.map { element.encode($0) ?? .object([:]) })
        case .structure(let pointer, let fields):
            guard let value, !value.isNull else { return pointer ? Value?.none : .object(Self.required(fields)) }
            guard case .object(let object) = value else { return value }
            var out = ValueObject()
            for (key, member) in object {
                if let shape = fields[key] {
                    if let encoded = shape.encode(member) { out[key] = encoded }
                } else {
                    out[key] = member
                }
            }
            for (key, member) in Self.required(fields) where out[key] == nil { out[key] = member }
            return .object(out)
        }
    }

    /// The fields a struct always writes, with their zero values.
    private static func required(_ fields: [String: ApplicationShape]) -> ValueObject {
        var out = ValueObject()
        for key in fields.keys.sorted() {
            switch fields[key]! {
            case .structure(false, let nested): out[key] = .object(required(nested))
            case .value(true): out[key] = .string("")
            default: break
            }
        }
        return out
    }

}
