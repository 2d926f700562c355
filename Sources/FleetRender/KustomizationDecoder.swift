import FleetModel
import FleetYAML

/// Reads a kustomization file strictly, as kustomize does: unknown fields and mistyped values
/// are errors naming the field and its line (kustomize says `json: unknown field "x"`), and
/// features we do not implement are refused by name rather than silently ignored.
struct KustomizationDecoder {
    let path: String
    let displayPath: String
    let lines: YAMLDocument

    static let fileNames = ["kustomization.yaml", "kustomization.yml", "Kustomization"]

    static let knownFields: Set<String> = [
        "apiVersion", "kind", "metadata", "resources", "bases", "components", "namespace", "namePrefix", "nameSuffix",
        "commonLabels", "labels", "commonAnnotations", "images", "imageTags", "replicas", "patches",
        "patchesStrategicMerge", "patchesJson6902", "configMapGenerator", "secretGenerator", "generatorOptions",
        "sortOptions",
    ]

    /// Kustomize features outside this renderer's scope: a kustomization using them fails
    /// with a clear message instead of rendering something different from kustomize.
    static let unsupportedFields: [String: String] = [
        "replacements": "replacements are not supported yet",
        "vars": "vars are not supported (deprecated in kustomize; use replacements... which are not supported yet either)",
        "helmCharts": "Helm chart inflation is not supported yet",
        "helmGlobals": "Helm chart inflation is not supported yet",
        "helmChartInflationGenerator": "Helm chart inflation is not supported yet",
        "crds": "the crds field (custom name-reference configuration) is not supported yet",
        "configurations": "custom transformer configurations are not supported yet",
        "generators": "generator plugins are not supported",
        "transformers": "transformer plugins are not supported",
        "validators": "validator plugins are not supported",
        "openapi": "the openapi field is not supported yet",
        "buildMetadata": "buildMetadata is not supported yet",
    ]

    static func decode(_ document: YAMLDocument, path: String, displayPath: String) throws(RenderError) -> Kustomization {
        let decoder = KustomizationDecoder(path: path, displayPath: displayPath, lines: document)
        return try decoder.decode(document.value)
    }

    func decode(_ value: Value) throws(RenderError) -> Kustomization {
        var k = Kustomization(path: path, displayPath: displayPath, document: lines)
        guard case .object(let fields) = value else {
            if value.isNull { throw fail(JSONPointer(), "kustomization is empty") }
            throw fail(JSONPointer(), "a kustomization must be a mapping, found a \(value.typeName)")
        }
        for key in fields.keys {
            let at = JSONPointer(tokens: [key])
            if let reason = Self.unsupportedFields[key] {
                if let v = fields[key], !isEmpty(v) { throw RenderError(.unsupported, file: displayPath, line: lines.line(of: at), "\(key): \(reason)") }
                continue
            }
            if !Self.knownFields.contains(key) {
                throw fail(at, "unknown field \"\(key)\" in kustomization")
            }
        }

        let kind = try optionalString(fields["kind"], at: ptr("kind")) ?? ""
        switch kind {
        case "", "Kustomization": k.isComponent = false
        case "Component": k.isComponent = true
        default: throw fail(ptr("kind"), "kind must be Kustomization or Component, found \"\(kind)\"")
        }
        if let apiVersion = try optionalString(fields["apiVersion"], at: ptr("apiVersion")), !apiVersion.isEmpty,
           !apiVersion.hasPrefix("kustomize.config.k8s.io/") {
            throw fail(ptr("apiVersion"), "apiVersion must be kustomize.config.k8s.io/v1beta1 (or v1alpha1 for a Component), found \"\(apiVersion)\"")
        }

        k.resources = try stringList(fields["resources"], at: ptr("resources"))
        let bases = try stringList(fields["bases"], at: ptr("bases"))
        if !bases.isEmpty {
            k.resources += bases
            k.warnings.append("# Warning: 'bases' is deprecated. Please use 'resources' instead. Run 'kustomize edit fix' to update your Kustomization automatically.")
        }
        k.components = try stringList(fields["components"], at: ptr("components"))
        k.namespace = try optionalString(fields["namespace"], at: ptr("namespace")) ?? ""
        k.namePrefix = try optionalString(fields["namePrefix"], at: ptr("namePrefix")) ?? ""
        k.nameSuffix = try optionalString(fields["nameSuffix"], at: ptr("nameSuffix")) ?? ""
        k.commonLabels = try stringMap(fields["commonLabels"], at: ptr("commonLabels"))
        if fields["commonLabels"] != nil {
            k.warnings.append("# Warning: 'commonLabels' is deprecated. Please use 'labels' instead. Run 'kustomize edit fix' to update your Kustomization automatically.")
        }
        k.commonAnnotations = try stringMap(fields["commonAnnotations"], at: ptr("commonAnnotations"))
        k.labels = try labelsEntries(fields["labels"], at: ptr("labels"))
        k.images = try images(fields["images"], at: ptr("images")) + images(fields["imageTags"], at: ptr("imageTags"))
        k.replicas = try replicas(fields["replicas"], at: ptr("replicas"))
        k.patches = try patches(fields["patches"], at: ptr("patches"))
        k.patchesStrategicMerge = try strategicMergePatches(fields["patchesStrategicMerge"], at: ptr("patchesStrategicMerge"))
        if fields["patchesStrategicMerge"] != nil {
            k.warnings.append("# Warning: 'patchesStrategicMerge' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.")
        }
        k.patchesJson6902 = try json6902Patches(fields["patchesJson6902"], at: ptr("patchesJson6902"))
        if fields["patchesJson6902"] != nil {
            k.warnings.append("# Warning: 'patchesJson6902' is deprecated. Please use 'patches' instead. Run 'kustomize edit fix' to update your Kustomization automatically.")
        }
        if let options = fields["generatorOptions"], !options.isNull {
            k.generatorOptions = try generatorOptions(options, at: ptr("generatorOptions"))
        }
        k.configMapGenerator = try generators(fields["configMapGenerator"], at: ptr("configMapGenerator"), allowsType: false)
        k.secretGenerator = try generators(fields["secretGenerator"], at: ptr("secretGenerator"), allowsType: true)
        k.sortOrder = try sortOptions(fields["sortOptions"], at: ptr("sortOptions"))
        return k
    }

    // MARK: Field groups

    private func labelsEntries(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [LabelsEntry] {
        var entries: [LabelsEntry] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: ["pairs", "includeSelectors", "includeTemplates", "fields"])
            var specs: [FieldSpec] = []
            for (specIndex, spec) in try list(fields["fields"], at: at.appending("fields")).enumerated() {
                specs.append(try fieldSpec(spec, at: at.appending("fields").appending(specIndex)))
            }
            entries.append(LabelsEntry(
                pairs: try stringMap(fields["pairs"], at: at.appending("pairs")),
                includeSelectors: try bool(fields["includeSelectors"], at: at.appending("includeSelectors")),
                includeTemplates: try bool(fields["includeTemplates"], at: at.appending("includeTemplates")),
                fields: specs))
        }
        return entries
    }

    private func fieldSpec(_ value: Value, at pointer: JSONPointer) throws(RenderError) -> FieldSpec {
        let fields = try object(value, at: pointer, allowed: ["path", "group", "version", "kind", "create"])
        guard let path = try optionalString(fields["path"], at: pointer.appending("path")), !path.isEmpty else {
            throw fail(pointer, "a field spec needs a path")
        }
        return FieldSpec(group: try optionalString(fields["group"], at: pointer.appending("group")) ?? "",
                         version: try optionalString(fields["version"], at: pointer.appending("version")) ?? "",
                         kind: try optionalString(fields["kind"], at: pointer.appending("kind")) ?? "",
                         path: path, create: try bool(fields["create"], at: pointer.appending("create")))
    }

    private func images(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [ImageOverride] {
        var result: [ImageOverride] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: ["name", "newName", "newTag", "digest", "tagSuffix"])
            guard let name = try optionalString(fields["name"], at: at.appending("name")), !name.isEmpty else {
                throw fail(at, "an images entry needs a name")
            }
            if fields["tagSuffix"] != nil { throw RenderError(.unsupported, file: displayPath, line: lines.line(of: at), "images[].tagSuffix is not supported yet") }
            result.append(ImageOverride(name: name,
                                        newName: try optionalString(fields["newName"], at: at.appending("newName")),
                                        newTag: try optionalString(fields["newTag"], at: at.appending("newTag")),
                                        digest: try optionalString(fields["digest"], at: at.appending("digest"))))
        }
        return result
    }

    private func replicas(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [(ReplicaOverride, Int)] {
        var result: [(ReplicaOverride, Int)] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: ["name", "count"])
            guard let name = try optionalString(fields["name"], at: at.appending("name")), !name.isEmpty else {
                throw fail(at, "a replicas entry needs a name")
            }
            guard let count = fields["count"] else { throw fail(at, "replicas entry \"\(name)\" needs a count") }
            guard case .int(let n) = count else {
                throw fail(at.appending("count"), "replicas count must be an integer, found \(count.typeName) \(count)")
            }
            result.append((ReplicaOverride(name: name, count: n), lines.line(of: at)))
        }
        return result
    }

    private func patches(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [PatchEntry] {
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

    private func patchSource(_ fields: ValueObject, at pointer: JSONPointer) throws(RenderError) -> PatchEntry {
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

    private func patchTarget(_ value: Value, at pointer: JSONPointer) throws(RenderError) -> PatchTarget {
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
    private func strategicMergePatches(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [PatchEntry] {
        var result: [PatchEntry] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            guard case .string(let text) = item else { throw fail(at, "patchesStrategicMerge entries must be strings, found \(item.typeName)") }
            let isInline = text.utf8.contains(UInt8(ascii: "\n")) || text.contains(": ")
            result.append(PatchEntry(source: isInline ? .inline(text) : .file(text), line: lines.line(of: at)))
        }
        return result
    }

    private func json6902Patches(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [PatchEntry] {
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

    private func generatorOptions(_ value: Value, at pointer: JSONPointer) throws(RenderError) -> GeneratorOptions {
        let fields = try object(value, at: pointer, allowed: ["labels", "annotations", "disableNameSuffixHash", "immutable"])
        return GeneratorOptions(
            labels: try stringMap(fields["labels"], at: pointer.appending("labels")),
            annotations: try stringMap(fields["annotations"], at: pointer.appending("annotations")),
            disableNameSuffixHash: try bool(fields["disableNameSuffixHash"], at: pointer.appending("disableNameSuffixHash")),
            immutable: try bool(fields["immutable"], at: pointer.appending("immutable")))
    }

    private func generators(_ value: Value?, at pointer: JSONPointer, allowsType: Bool) throws(RenderError) -> [GeneratorArgs] {
        var result: [GeneratorArgs] = []
        var allowed: Set<String> = ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options"]
        if allowsType { allowed.insert("type") }
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: allowed)
            let behaviorText = try optionalString(fields["behavior"], at: at.appending("behavior")) ?? ""
            let behavior: GeneratorBehavior
            switch behaviorText {
            case "", "create": behavior = .create
            case "merge": behavior = .merge
            case "replace": behavior = .replace
            default: throw fail(at.appending("behavior"), "behavior must be create, merge or replace, found \"\(behaviorText)\"")
            }
            var envs = try stringList(fields["envs"], at: at.appending("envs")).map(\.0)
            if let env = try optionalString(fields["env"], at: at.appending("env")), !env.isEmpty { envs.append(env) }
            var options = GeneratorOptions()
            if let local = fields["options"], !local.isNull { options = try generatorOptions(local, at: at.appending("options")) }
            result.append(GeneratorArgs(
                name: try optionalString(fields["name"], at: at.appending("name")) ?? "",
                namespace: try optionalString(fields["namespace"], at: at.appending("namespace")) ?? "",
                behavior: behavior,
                literals: try stringList(fields["literals"], at: at.appending("literals")).map(\.0),
                files: try stringList(fields["files"], at: at.appending("files")).map(\.0),
                envs: envs,
                type: allowsType ? try optionalString(fields["type"], at: at.appending("type")) : nil,
                options: options,
                line: lines.line(of: at)))
        }
        return result
    }

    private func sortOptions(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> SortOrder? {
        guard let value, !value.isNull else { return nil }
        let fields = try object(value, at: pointer, allowed: ["order", "legacySortOptions"])
        let order = try optionalString(fields["order"], at: pointer.appending("order")) ?? ""
        switch order {
        case "fifo":
            if fields["legacySortOptions"] != nil {
                throw fail(pointer, "the field 'sortOptions.legacySortOptions' is set but the selected sort order is 'fifo', not 'legacy'")
            }
            return .fifo
        case "legacy":
            guard let legacy = fields["legacySortOptions"], !legacy.isNull else { return .legacy(orderFirst: LegacySorter.defaultOrderFirst, orderLast: LegacySorter.defaultOrderLast) }
            let legacyFields = try object(legacy, at: pointer.appending("legacySortOptions"), allowed: ["orderFirst", "orderLast"])
            return .legacy(orderFirst: try stringList(legacyFields["orderFirst"], at: pointer.appending("orderFirst")).map(\.0),
                           orderLast: try stringList(legacyFields["orderLast"], at: pointer.appending("orderLast")).map(\.0))
        default:
            throw fail(pointer.appending("order"), "the field 'sortOptions.order' must be one of [fifo, legacy]")
        }
    }

    // MARK: Typed accessors

    private func ptr(_ key: String) -> JSONPointer { JSONPointer(tokens: [key]) }

    func fail(_ pointer: JSONPointer, _ message: String) -> RenderError {
        RenderError(.invalidKustomization, file: displayPath, line: lines.line(of: pointer), message)
    }

    private func isEmpty(_ value: Value) -> Bool {
        switch value {
        case .null: return true
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        case .string(let s): return s.isEmpty
        default: return false
        }
    }

    private func describe(_ pointer: JSONPointer) -> String {
        pointer.tokens.enumerated().map { i, t in Int(t) != nil && i > 0 ? "[\(t)]" : (i == 0 ? t : "." + t) }.joined()
    }

    private func optionalString(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard case .string(let s) = value else {
            throw fail(pointer, "\(describe(pointer)) must be a string, found \(value.typeName) \(value) (quote it)")
        }
        return s
    }

    private func bool(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> Bool {
        guard let value, !value.isNull else { return false }
        guard case .bool(let b) = value else { throw fail(pointer, "\(describe(pointer)) must be true or false, found \(value.typeName) \(value)") }
        return b
    }

    private func list(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [Value] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let items) = value else { throw fail(pointer, "\(describe(pointer)) must be a list, found \(value.typeName)") }
        return items
    }

    private func stringList(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [(String, Int)] {
        var result: [(String, Int)] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            guard case .string(let s) = item else {
                throw fail(at, "\(describe(at)) must be a string, found \(item.typeName) \(item)")
            }
            result.append((s, lines.line(of: at)))
        }
        return result
    }

    private func stringMap(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [String: String] {
        guard let value, !value.isNull else { return [:] }
        guard case .object(let object) = value else { throw fail(pointer, "\(describe(pointer)) must be a map of strings, found \(value.typeName)") }
        var result: [String: String] = [:]
        for (key, item) in object {
            guard case .string(let s) = item else {
                throw fail(pointer.appending(key), "\(describe(pointer.appending(key))) must be a string, found \(item.typeName) \(item) (quote it)")
            }
            result[key] = s
        }
        return result
    }

    private func object(_ value: Value, at pointer: JSONPointer, allowed: Set<String>) throws(RenderError) -> ValueObject {
        guard case .object(let fields) = value else { throw fail(pointer, "\(describe(pointer)) must be a mapping, found \(value.typeName)") }
        for key in fields.keys where !allowed.contains(key) {
            throw fail(pointer.appending(key), "unknown field \"\(key)\" in \(describe(pointer))")
        }
        return fields
    }
}
