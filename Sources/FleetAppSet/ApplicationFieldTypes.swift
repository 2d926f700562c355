import FleetModel
import FleetTemplate

/// The fields of Argo CD's Application spec that are not strings. Argo CD reads an
/// ApplicationSet's template into its typed Application (the API server's schema checks it
/// first) and a templatePatch's rendered YAML too, so a string where the type has a bool, an
/// integer, a list or a map is an error there, never a silent "true" string; the same here.
/// Templates render text only: non-string fields take parameters through `templatePatch`.
enum ApplicationFieldTypes {
    enum Expected: String {
        case boolean, integer, list = "array", map = "object"
    }

    /// Paths under `spec`; `source.` stands for `source` and every `sources[]` entry, `[]` for
    /// any list index. Fields not listed are strings or free-form (`helm.valuesObject`).
    // size: data table
    static let table: [String: Expected] = [
        "source": .map, "sources": .list, "destination": .map, "syncPolicy": .map, "ignoreDifferences": .list, "info": .list,
        "revisionHistoryLimit": .integer,
        "syncPolicy.automated": .map,
        "syncPolicy.automated.prune": .boolean, "syncPolicy.automated.selfHeal": .boolean,
        "syncPolicy.automated.allowEmpty": .boolean, "syncPolicy.automated.enabled": .boolean,
        "syncPolicy.syncOptions": .list, "syncPolicy.retry": .map, "syncPolicy.retry.limit": .integer,
        "syncPolicy.retry.backoff": .map, "syncPolicy.managedNamespaceMetadata": .map,
        "syncPolicy.managedNamespaceMetadata.labels": .map, "syncPolicy.managedNamespaceMetadata.annotations": .map,
        "source.helm": .map, "source.helm.valueFiles": .list, "source.helm.parameters": .list, "source.helm.fileParameters": .list,
        "source.helm.parameters[].forceString": .boolean, "source.helm.passCredentials": .boolean,
        "source.helm.ignoreMissingValueFiles": .boolean, "source.helm.skipCrds": .boolean, "source.helm.skipTests": .boolean,
        "source.helm.skipSchemaValidation": .boolean, "source.helm.apiVersions": .list,
        "source.kustomize": .map, "source.kustomize.images": .list, "source.kustomize.components": .list,
        "source.kustomize.commonLabels": .map, "source.kustomize.commonAnnotations": .map, "source.kustomize.replicas": .list,
        "source.kustomize.patches": .list, "source.kustomize.apiVersions": .list,
        "source.kustomize.forceCommonLabels": .boolean, "source.kustomize.forceCommonAnnotations": .boolean,
        "source.kustomize.commonAnnotationsEnvsubst": .boolean, "source.kustomize.labelWithoutSelector": .boolean,
        "source.kustomize.labelIncludeTemplates": .boolean, "source.kustomize.ignoreMissingComponents": .boolean,
        "source.directory": .map, "source.directory.recurse": .boolean, "source.directory.jsonnet": .map,
        "source.directory.jsonnet.libs": .list, "source.directory.jsonnet.extVars": .list, "source.directory.jsonnet.tlas": .list,
        "source.directory.jsonnet.extVars[].code": .boolean, "source.directory.jsonnet.tlas[].code": .boolean,
        "source.plugin": .map, "source.plugin.env": .list, "source.plugin.parameters": .list,
        "ignoreDifferences[].jsonPointers": .list, "ignoreDifferences[].jqPathExpressions": .list,
        "ignoreDifferences[].managedFieldsManagers": .list,
    ]

    /// Fails on the first field whose value is of the wrong kind, naming it under `name` (as
    /// `spec.template.spec.syncPolicy.automated.prune`).
    static func check(spec: Value, named name: String) throws(TemplateError) {
        try walk(spec, key: "", shown: name)
    }

    private static func walk(_ value: Value, key: String, shown: String) throws(TemplateError) {
        if let expected = table[key], let found = mismatch(value, expected) {
            let hint = found.contains("{{") ? " (a template renders text only: give non-string fields their parameters with templatePatch)" : ""
            throw TemplateError("\(shown): \(found) where Argo CD's Application has \(expected == .integer ? "an" : "a") \(expected.rawValue)\(hint)")
        }
        switch value {
        case .object(let object):
            for (name, member) in object {
                let child = key.isEmpty ? name : "\(key).\(name)"
                try walk(member, key: child, shown: "\(shown).\(name)")
            }
        case .array(let items):
            let element = key == "sources" ? "source" : "\(key)[]"
            for (index, item) in items.enumerated() { try walk(item, key: element, shown: "\(shown)[\(index)]") }
        default:
            break
        }
    }

    /// What was found instead, or nil when the value fits (null fits anything: the field is unset).
    private static func mismatch(_ value: Value, _ expected: Expected) -> String? {
        switch (value, expected) {
        case (.null, _), (.bool, .boolean), (.int, .integer), (.array, .list), (.object, .map): return nil
        case (.double(let d), .integer) where d == d.rounded(): return nil
        case (.string(let s), _): return "the string \"\(s.count > 60 ? String(s.prefix(60)) + "..." : s)\""
        case (.bool, _): return "a boolean"
        case (.int, _), (.double, _): return "a number"
        case (.array, _): return "a list"
        case (.object, _): return "a map"
        }
    }
}
