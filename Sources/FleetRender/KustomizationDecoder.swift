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
        "sortOptions", "replacements", "vars", "configurations", "transformers", "generators", "buildMetadata", "openapi", "crds",
        "helmCharts", "helmGlobals",
    ]

    /// Kustomize features outside this renderer's scope: a kustomization using them fails
    /// with a clear message instead of rendering something different from kustomize.
    static let unsupportedFields: [String: String] = [
        "helmChartInflationGenerator": "the deprecated helmChartInflationGenerator field is not supported: use helmCharts",
        "validators": "validator plugins are not supported",
    ]

    static func decode(_ document: YAMLDocument, path: String, displayPath: String) throws(RenderError) -> Kustomization {
        let decoder = KustomizationDecoder(path: path, displayPath: displayPath, lines: document)
        return try decoder.decode(document.value)
    }

    func decode(_ value: Value) throws(RenderError) -> Kustomization {
        var k = Kustomization(path: path, displayPath: displayPath, document: lines)
        guard case .object(let written) = value else {
            if value.isNull { throw fail(JSONPointer(), "kustomization is empty") }
            throw fail(JSONPointer(), "a kustomization must be a mapping, found a \(value.typeName)")
        }
        let fields = Self.canonicalKeys(written, known: Self.knownFields.union(Self.unsupportedFields.keys))
        k.isComponent = try checkKindAndFields(fields)

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
        k.replacements = try replacementEntries(fields["replacements"], at: ptr("replacements"))
        k.configurations = try stringList(fields["configurations"], at: ptr("configurations"))
        k.transformers = try stringList(fields["transformers"], at: ptr("transformers"))
        k.generators = try stringList(fields["generators"], at: ptr("generators"))
        k.buildMetadata = try stringList(fields["buildMetadata"], at: ptr("buildMetadata")).map(\.0)
        k.crds = try stringList(fields["crds"], at: ptr("crds"))
        try decodeHelmAndOpenAPI(fields, into: &k)
        k.vars = try vars(fields["vars"], at: ptr("vars"))
        if fields["vars"] != nil {
            k.warnings.append("# Warning: 'vars' is deprecated. Please use 'replacements' instead. [EXPERIMENTAL] Run 'kustomize edit fix' to update your Kustomization automatically.")
        }
        return k
    }

    /// Refuses unknown fields (and names the ones kustomize has but we do not support), and
    /// checks `kind` with its `apiVersion` (kustomize's EnforceFields). True for a Component.
    private func checkKindAndFields(_ fields: ValueObject) throws(RenderError) -> Bool {
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
        let isComponent: Bool
        switch kind {
        case "", "Kustomization": isComponent = false
        case "Component": isComponent = true
        default: throw fail(ptr("kind"), "kind must be Kustomization or Component, found \"\(kind)\"")
        }
        // kustomize's EnforceFields: a Kustomization is v1beta1, a Component v1alpha1.
        let requiredVersion = isComponent ? "kustomize.config.k8s.io/v1alpha1" : "kustomize.config.k8s.io/v1beta1"
        if let apiVersion = try optionalString(fields["apiVersion"], at: ptr("apiVersion")), !apiVersion.isEmpty, apiVersion != requiredVersion {
            throw fail(ptr("apiVersion"), "apiVersion for \(isComponent ? "Component" : "Kustomization") should be \(requiredVersion), found \"\(apiVersion)\"")
        }
        return isComponent
    }

    private func decodeHelmAndOpenAPI(_ fields: ValueObject, into k: inout Kustomization) throws(RenderError) {
        if let charts = fields["helmCharts"], !charts.isNull {
            guard case .array(let entries) = charts, entries.allSatisfy({ if case .object = $0 { true } else { false } }) else {
                throw fail(ptr("helmCharts"), "helmCharts must be a list of charts")
            }
            k.helmCharts = entries
            k.helmChartsLine = lines.line(of: ptr("helmCharts"))
        }
        if let globals = fields["helmGlobals"], !globals.isNull {
            guard case .object = globals else { throw fail(ptr("helmGlobals"), "helmGlobals must be a mapping") }
            k.helmGlobals = globals
        }
        let openapi = try stringMap(fields["openapi"], at: ptr("openapi"))
        switch (openapi["path"], openapi["version"]) {
        case (let path?, nil): k.openapi = .path(path)
        case (nil, let version?):
            guard version == OpenAPIField.builtinVersion else {
                throw fail(ptr("openapi").appending("version"), "the specified OpenAPI version is not built in: \"\(version)\" (kubectl v1.32 carries \(OpenAPIField.builtinVersion))")
            }
            k.openapi = .version(version)
        case (.some, .some): throw fail(ptr("openapi"), "builtin version and custom schema provided, cannot use both")
        case (nil, nil): k.openapi = nil
        }
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

    /// A field spec; `lenient` ignores unknown fields (plugin configurations are read so).
    func fieldSpec(_ value: Value, at pointer: JSONPointer, lenient: Bool = false) throws(RenderError) -> FieldSpec {
        let allowed: Set<String> = ["path", "group", "version", "kind", "create"]
        var value = value
        if lenient, case .object(let written) = value {
            value = .object(Self.canonicalKeys(written, known: allowed).filter { allowed.contains($0.key) })
        }
        let fields = try object(value, at: pointer, allowed: allowed)
        guard let path = try optionalString(fields["path"], at: pointer.appending("path")), !path.isEmpty else {
            throw fail(pointer, "a field spec needs a path")
        }
        return FieldSpec(group: try optionalString(fields["group"], at: pointer.appending("group")) ?? "",
                         version: try optionalString(fields["version"], at: pointer.appending("version")) ?? "",
                         kind: try optionalString(fields["kind"], at: pointer.appending("kind")) ?? "",
                         path: path, create: try bool(fields["create"], at: pointer.appending("create")))
    }

    func images(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [ImageOverride] {
        var result: [ImageOverride] = []
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: ["name", "newName", "newTag", "digest", "tagSuffix"])
            guard let name = try optionalString(fields["name"], at: at.appending("name")), !name.isEmpty else {
                throw fail(at, "an images entry needs a name")
            }
            result.append(ImageOverride(name: name,
                                        newName: try optionalString(fields["newName"], at: at.appending("newName")),
                                        newTag: try optionalString(fields["newTag"], at: at.appending("newTag")),
                                        digest: try optionalString(fields["digest"], at: at.appending("digest")),
                                        tagSuffix: try optionalString(fields["tagSuffix"], at: at.appending("tagSuffix"))))
        }
        return result
    }

    func replicas(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [(ReplicaOverride, Int)] {
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

    func generatorOptions(_ value: Value, at pointer: JSONPointer) throws(RenderError) -> GeneratorOptions {
        let fields = try object(value, at: pointer, allowed: ["labels", "annotations", "disableNameSuffixHash", "immutable"])
        return GeneratorOptions(
            labels: try stringMap(fields["labels"], at: pointer.appending("labels")),
            annotations: try stringMap(fields["annotations"], at: pointer.appending("annotations")),
            disableNameSuffixHash: try bool(fields["disableNameSuffixHash"], at: pointer.appending("disableNameSuffixHash")),
            immutable: try bool(fields["immutable"], at: pointer.appending("immutable")))
    }

    func generators(_ value: Value?, at pointer: JSONPointer, allowsType: Bool) throws(RenderError) -> [GeneratorArgs] {
        var result: [GeneratorArgs] = []
        var allowed: Set<String> = ["name", "namespace", "behavior", "literals", "files", "envs", "env", "options"]
        if allowsType { allowed.insert("type") }
        for (index, item) in try list(value, at: pointer).enumerated() {
            let at = pointer.appending(index)
            let fields = try object(item, at: at, allowed: allowed)
            let behaviorText = try optionalString(fields["behavior"], at: at.appending("behavior")) ?? ""
            let behavior: GeneratorBehavior
            // kustomize's NewGenerationBehavior: anything but merge or replace creates.
            switch behaviorText {
            case "merge": behavior = .merge
            case "replace": behavior = .replace
            default: behavior = .create
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

    func describe(_ pointer: JSONPointer) -> String {
        pointer.tokens.enumerated().map { i, t in Int(t) != nil && i > 0 ? "[\(t)]" : (i == 0 ? t : "." + t) }.joined()
    }

    func optionalString(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> String? {
        guard let value, !value.isNull else { return nil }
        guard case .string(let s) = value else {
            throw fail(pointer, "\(describe(pointer)) must be a string, found \(value.typeName) \(value) (quote it)")
        }
        return s
    }

    func bool(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> Bool {
        guard let value, !value.isNull else { return false }
        guard case .bool(let b) = value else { throw fail(pointer, "\(describe(pointer)) must be true or false, found \(value.typeName) \(value)") }
        return b
    }

    func list(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [Value] {
        guard let value, !value.isNull else { return [] }
        guard case .array(let items) = value else { throw fail(pointer, "\(describe(pointer)) must be a list, found \(value.typeName)") }
        return items
    }

    func stringList(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [(String, Int)] {
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

    func stringMap(_ value: Value?, at pointer: JSONPointer) throws(RenderError) -> [String: String] {
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

    /// Field names matched as Go's JSON decoder matches them (kustomize reads its file through
    /// it): exactly, or else ignoring case (`nameprefix`, `patchesJSON6902`); when two spellings
    /// of one field appear, the one sorting last wins.
    static func canonicalKeys(_ fields: ValueObject, known: Set<String>) -> ValueObject {
        guard fields.keys.contains(where: { !known.contains($0) }) else { return fields }
        // sigs.k8s.io/yaml hands the decoder a Go map, whose keys it sees in sorted order.
        var result = ValueObject()
        for key in fields.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            let canonical = known.contains(key) ? key : (known.first { $0.lowercased() == key.lowercased() } ?? key)
            result[canonical] = fields[key]
        }
        return result
    }

    func object(_ value: Value, at pointer: JSONPointer, allowed: Set<String>) throws(RenderError) -> ValueObject {
        guard case .object(let written) = value else { throw fail(pointer, "\(describe(pointer)) must be a mapping, found \(value.typeName)") }
        let fields = Self.canonicalKeys(written, known: allowed)
        for key in fields.keys where !allowed.contains(key) {
            throw fail(pointer.appending(key), "unknown field \"\(key)\" in \(pointer.tokens.isEmpty ? "the file" : describe(pointer))")
        }
        return fields
    }
}
