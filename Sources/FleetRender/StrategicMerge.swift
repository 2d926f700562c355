import FleetModel

/// Strategic merge patches as kustomize applies them (kyaml's merge):
/// - maps merge key by key; a `null` in the patch deletes the key;
/// - `$patch: delete` removes the map (or list element) it is in, `$patch: replace` replaces
///   the map with the patch's, and a `- $patch: replace` element replaces a whole list;
/// - lists with a merge key in the schema merge element by element: the patch's elements come
///   first, in patch order, then the original elements the patch did not mention;
/// - lists of scalars with the merge strategy (finalizers) become a union, patch first;
/// - every other list, and anything in a type the schema does not know (custom resources),
///   is replaced by the patch's.
///
/// Other `$` directives (`$retainKeys`, `$setElementOrder`) are not interpreted, and are
/// kept as ordinary fields, exactly as kustomize leaves them.
enum StrategicMerge {
    /// Merges `patch` into `original`; `nil` means the patch deleted the whole object. A
    /// `$patch: replace` on the whole object changes nothing, as in kustomize.
    static func apply(_ patch: Value, to original: Value, schema: PatchSchema?) -> Value? {
        if patch["$patch"]?.stringValue == "replace" { return original }
        return merge(original, patch, schema ?? .opaque)
    }

    static func merge(_ original: Value?, _ patch: Value, _ schema: PatchSchema) -> Value? {
        switch patch {
        case .object(let fields):
            if let directive = fields["$patch"]?.stringValue {
                if directive == "delete" { return nil }
                if directive == "replace" {
                    var replacement = fields
                    replacement["$patch"] = nil
                    return clean(.object(replacement), schema)
                }
            }
            guard case .object(var result)? = original else { return clean(patch, schema) }
            for (key, value) in fields where key != "$patch" {
                if value.isNull {
                    result[key] = nil
                    continue
                }
                let child = schema.field(key)
                let existing = result[key]
                result[key] = .null  // release the shared copy before merging into it
                result[key] = merge(existing, value, child)
            }
            return .object(result)
        case .array(let items):
            let originalItems = original?.arrayValue
            switch schema.listMerge {
            case .byKey(let key):
                guard let originalItems else { return clean(patch, schema) }
                return .array(mergeKeyed(originalItems, items, key: key, item: schema.item))
            case .primitives:
                guard let originalItems else { return clean(patch, schema) }
                var result = items
                for element in originalItems where !result.contains(element) { result.append(element) }
                return .array(result)
            case .replace:
                return clean(patch, schema)
            }
        default:
            return patch
        }
    }

    private static func mergeKeyed(_ original: [Value], _ patch: [Value], key: String, item: PatchSchema) -> [Value] {
        if patch.contains(where: { $0["$patch"]?.stringValue == "replace" && $0.objectValue?.count == 1 }) {
            return patch.filter { !($0["$patch"]?.stringValue == "replace" && $0.objectValue?.count == 1) }
                .compactMap { clean($0, item) }
        }
        // kyaml treats a patch list with an element lacking the key as unkeyed: only keyed patch
        // elements survive, merged with their originals.
        let everyElementKeyed = patch.allSatisfy { $0[key] != nil }
        var result: [Value] = []
        var mentioned: [Value] = []
        var deleted: [Value] = []
        for element in patch {
            guard let keyValue = element[key] else { continue }
            mentioned.append(keyValue)
            if element["$patch"]?.stringValue == "delete" {
                deleted.append(keyValue)
                continue
            }
            let counterpart = original.first { $0[key] == keyValue }
            if let merged = merge(counterpart, element, item) { result.append(merged) }
        }
        guard everyElementKeyed else { return result }
        for element in original {
            guard let keyValue = element[key] else {
                result.append(element)
                continue
            }
            if !mentioned.contains(keyValue) && !deleted.contains(keyValue) { result.append(element) }
        }
        return result
    }

    /// A patch value written where nothing existed: nulls and deleted elements dropped,
    /// directives resolved.
    static func clean(_ value: Value, _ schema: PatchSchema) -> Value? {
        switch value {
        case .object(let fields):
            if let directive = fields["$patch"]?.stringValue {
                if directive == "delete" { return nil }
            }
            var result = ValueObject()
            for (key, child) in fields where key != "$patch" {
                if child.isNull { continue }
                if let cleaned = clean(child, schema.field(key)) { result[key] = cleaned }
            }
            return .object(result)
        case .array(let items):
            if case .byKey = schema.listMerge {
                return .array(items.filter { !($0["$patch"]?.stringValue == "replace" && $0.objectValue?.count == 1) }
                    .compactMap { clean($0, schema.item) })
            }
            return .array(items.compactMap { clean($0, schema.item) })
        default:
            return value
        }
    }
}
