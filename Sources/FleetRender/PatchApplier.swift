import FleetModel
import FleetYAML

/// `patches`, `patchesStrategicMerge` and `patchesJson6902`: reading a patch (inline or from a
/// file), telling strategic merge from JSON 6902 the way kustomize does (a list of operations
/// is JSON 6902, objects are strategic merge patches), and applying it to its targets.
enum PatchApplier {
    enum Parsed {
        case strategic([Value])
        case json6902([JSONPatchOperation])
    }

    /// Parses patch text. Strategic merge patches must name their kind and metadata.name
    /// (kustomize refuses them otherwise, even with a target).
    static func parse(_ text: String, origin: String, line: Int) throws(RenderError) -> Parsed {
        let documents: [YAMLDocument]
        do {
            documents = try YAML.parseStream(text, source: origin)
        } catch {
            throw RenderError(.yaml, file: origin, line: line, "patch is not valid YAML: \(error.message) (patch line \(error.line))")
        }
        let values = documents.map(\.value).filter { !$0.isNull }
        if values.count == 1, case .array = values[0] {
            do {
                return .json6902(try JSONPatch.operations(from: values[0]))
            } catch {
                throw RenderError(.patch, file: origin, line: line, "invalid JSON patch: \(error)")
            }
        }
        guard !values.isEmpty else { throw RenderError(.patch, file: origin, line: line, "patch is empty") }
        for value in values {
            guard case .object = value,
                  let kind = value["kind"]?.stringValue, !kind.isEmpty,
                  let name = value[path: "metadata", "name"]?.stringValue, !name.isEmpty else {
                throw RenderError(.patch, file: origin, line: line,
                                  "unable to parse SM or JSON patch: a strategic merge patch needs apiVersion, kind and metadata.name; a JSON patch is a list of operations")
            }
        }
        return .strategic(values)
    }

    /// Applies a `patches:` entry: with a target, to every selected resource; without one, a
    /// strategic merge patch to the one resource with its own id.
    /// `schemas` is the build's custom OpenAPI schema, if one was chosen (nil: the built-in one).
    static func apply(_ entry: PatchEntry, parsed: Parsed, to collection: inout ResourceCollection, origin: String,
                      schemas: OpenAPIPatchSchemas? = nil) throws(RenderError) {
        switch parsed {
        case .json6902(let operations):
            guard let target = entry.target else {
                throw RenderError(.patch, file: origin, line: entry.line, "a JSON patch needs a target (kind, name...) to know which resources to patch")
            }
            for index in try collection.select(target, origin: origin) {
                try applyJSON(operations, at: index, in: &collection, origin: origin, line: entry.line)
            }
        case .strategic(let patches):
            if let target = entry.target {
                guard patches.count == 1 else {
                    throw RenderError(.patch, file: origin, line: entry.line,
                                      "Multiple Strategic-Merge Patches in one `patches` entry is not allowed to set `patches.target` field: split them into one entry each")
                }
                for index in try collection.select(target, origin: origin) {
                    // The patch takes the target's apiVersion (kustomize's `SetGvk` on a copy
                    // of the patch), so a patch written for one group never rewrites another's.
                    var patch = patches[0]
                    patch["apiVersion"] = collection.resources[index].object["apiVersion"]
                    try applyStrategic(patch, at: index, entry: entry, in: &collection, schemas: schemas)
                }
                collection.resources.removeAll { $0.object.isNull }
            } else {
                for patch in patches {
                    let index = try uniqueTarget(of: patch, in: collection, origin: origin, line: entry.line)
                    try applyStrategic(patch, at: index, entry: entry, in: &collection, schemas: schemas)
                    collection.resources.removeAll { $0.object.isNull }
                }
            }
        }
    }

    static func applyJSON(_ operations: [JSONPatchOperation], at index: Int, in collection: inout ResourceCollection,
                          origin: String, line: Int) throws(RenderError) {
        // Kustomize records the id before every JSON patch, so a patch that renames keeps
        // answering to the old name (later patches and name references find it by either).
        collection.resources[index].storePreviousID()
        do {
            collection.resources[index].object = try JSONPatch.apply(operations, to: collection.resources[index].object)
        } catch {
            throw RenderError(.patch, file: origin, line: line, "JSON patch on \(collection.resources[index].currentID): \(error)")
        }
    }

    /// The resource a target-less strategic merge patch applies to: the one whose current or
    /// previous id is the patch's own.
    static func uniqueTarget(of patch: Value, in collection: ResourceCollection, origin: String, line: Int) throws(RenderError) -> Int {
        let id = KustomizeResource(object: patch, source: origin).currentID
        let matches = collection.indices(matchingAnyID: id)
        switch matches.count {
        case 1: return matches[0]
        case 0:
            throw RenderError(.patch, file: origin, line: line,
                              "no resource matches strategic merge patch \"\(id)\": no matches for Id \(id); failed to find unique target for patch \(id)")
        default:
            let ids = matches.map { collection.resources[$0].currentID.description }.joined(separator: ", ")
            throw RenderError(.patch, file: origin, line: line, "multiple resources match strategic merge patch \"\(id)\": \(ids)")
        }
    }

    /// Kustomize's `ApplySmPatch`: the patch may not change the target's name or kind (unless
    /// its options allow it) nor its namespace; a patch that deletes the whole object removes
    /// it (marked with a null object, swept by the caller).
    static func applyStrategic(_ patch: Value, at index: Int, entry: PatchEntry, in collection: inout ResourceCollection,
                               schemas: OpenAPIPatchSchemas?) throws(RenderError) {
        var resource = collection.resources[index]
        let (name, namespace, kind) = (resource.name, resource.namespace, resource.kind)
        if entry.allowNameChange || entry.allowKindChange { resource.storePreviousID() }
        let schema = schemas.map { $0.schema(for: resource.gvk) } ?? BuiltinPatchSchemas.schema(for: resource.gvk)
        guard let merged = StrategicMerge.apply(patch, to: resource.object, schema: schema) else {
            collection.resources[index].object = .null
            return
        }
        resource.object = merged
        if !entry.allowKindChange { resource.object["kind"] = .string(kind) }
        if !entry.allowNameChange { resource.name = name }
        resource.namespace = namespace
        collection.resources[index] = resource
    }
}
