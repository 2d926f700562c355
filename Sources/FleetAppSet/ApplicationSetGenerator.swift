import OrderedCollections
import FleetModel
import FleetYAML

/// A repository tree at a resolved commit, for git generators.
public struct RepositorySnapshot {
    public var tree: FileTree
    /// The full commit SHA the revision resolved to.
    public var commit: String

    public init(tree: FileTree, commit: String) {
        self.tree = tree
        self.commit = commit
    }
}

/// Where git generators read repositories from: the hub's mirrors, or one local repository
/// for `fleet appset generate --repo`.
public protocol RepositoryProvider {
    func snapshot(repoURL: String, revision: String) throws -> RepositorySnapshot
    /// The paths that differ between two commits of a repository, or nil when the provider
    /// cannot tell (callers then treat everything as changed).
    func changedPaths(repoURL: String, from: String, to: String) throws -> [String]?
}

extension RepositoryProvider {
    public func changedPaths(repoURL: String, from: String, to: String) throws -> [String]? { nil }
}

/// Why an ApplicationSet produced no Applications this time. Callers keep the Applications
/// of the last successful generation when they see one.
public struct ApplicationSetError: Error, CustomStringConvertible, Sendable {
    public var applicationSet: String
    public var source: String
    public var message: String

    public init(applicationSet: String, source: String, _ message: String) {
        self.applicationSet = applicationSet
        self.source = source
        self.message = message
    }

    public var description: String {
        let prefix = source.isEmpty ? "" : "\(source): "
        return "\(prefix)ApplicationSet \(applicationSet): \(message)"
    }
}

/// A repository a git generator read: what it asked for and the commit that was.
public struct RepositoryRead: Hashable, Sendable {
    public var repoURL: String
    public var revision: String
    public var commit: String
}

/// The outcome of one successful generation.
public struct GeneratedApplications: Sendable {
    /// The Applications, in generation order.
    public var applications: [Value]
    /// The repositories git generators read (what the result depends on besides the
    /// ApplicationSet and the clusters).
    public var repositories: [RepositoryRead]
}

/// Expands `argoproj.io/v1alpha1` ApplicationSets into Applications with Argo CD's semantics:
/// generators (list, clusters, git directories and files, matrix, merge) produce parameter
/// sets, each of which renders the template (fasttemplate or Go template), then the
/// templatePatch; names must be unique. See docs/applicationsets.md.
public final class ApplicationSetGenerator {
    public static let defaultFinalizer = "resources-finalizer.argocd.argoproj.io"
    /// More parameter sets than this from one ApplicationSet is an error (a matrix of two large
    /// lists must not exhaust the hub's memory).
    public static let maxParameterSets = 200_000
    public let clusters: [ClusterRecord]
    let repositories: RepositoryProvider
    private var usedRepositories = Set<RepositoryRead>()

    public init(clusters: [ClusterRecord], repositories: RepositoryProvider) {
        self.clusters = clusters
        self.repositories = repositories
    }

    /// Generates the Applications of one ApplicationSet document.
    public func generate(_ appSet: Value, source: String = "") throws(ApplicationSetError) -> GeneratedApplications {
        let name = appSet["metadata"]?["name"]?.stringValue ?? ""
        func fail(_ message: String) -> ApplicationSetError {
            ApplicationSetError(applicationSet: name.isEmpty ? "<unnamed>" : name, source: source, message)
        }
        guard appSet["apiVersion"]?.stringValue == "argoproj.io/v1alpha1", appSet["kind"]?.stringValue == "ApplicationSet" else {
            throw fail("not an argoproj.io/v1alpha1 ApplicationSet")
        }
        guard !name.isEmpty else { throw fail("metadata.name is required") }
        guard case .object(let spec)? = appSet["spec"] else { throw fail("spec is required") }
        usedRepositories = []
        let context: GenerationContext
        do {
            context = try GenerationContext(spec: spec, appSetNamespace: appSet["metadata"]?["namespace"]?.stringValue ?? "")
        } catch { throw fail(error.message) }
        guard case .array(let generators)? = spec["generators"], !generators.isEmpty else {
            throw fail("spec.generators must list at least one generator")
        }
        var applications: [Value] = []
        var origins: [String: String] = [:]
        for (index, generator) in generators.enumerated() {
            let results: [TransformResult]
            do {
                results = try transform(generator, baseTemplate: context.template, context: context, inherited: [:], path: "spec.generators[\(index)]")
            } catch let error as GenerationFailure {
                throw fail(error.message)
            } catch {
                throw fail("\(error)")
            }
            for result in results {
                for parameters in result.parameterSets {
                    let application: Value
                    do {
                        application = try render(result.template, parameters: parameters, context: context)
                    } catch {
                        throw fail("spec.generators[\(index)]: \(error.message)")
                    }
                    let appName = application["metadata"]?["name"]?.stringValue ?? ""
                    guard !appName.isEmpty else {
                        throw fail("spec.generators[\(index)] produced an Application with an empty name (parameters: \(describe(parameters)))")
                    }
                    let origin = "spec.generators[\(index)] with \(describe(parameters))"
                    if let earlier = origins[appName] {
                        throw fail("duplicate Application name \"\(appName)\": generated by \(earlier) and by \(origin)")
                    }
                    origins[appName] = origin
                    applications.append(application)
                }
            }
        }
        return GeneratedApplications(applications: applications, repositories: usedRepositories.sorted { ($0.repoURL, $0.revision) < ($1.repoURL, $1.revision) })
    }

    private func describe(_ parameters: ValueObject) -> String {
        let text = JSON.encode(.object(parameters), options: [.sortedKeys])
        return text.utf8.count > 300 ? String(text.prefix(300)) + "..." : text
    }

    // MARK: Template rendering

    func render(_ template: Value, parameters: ValueObject, context: GenerationContext) throws(TemplateError) -> Value {
        let data = context.goTemplate ? goNumberParameters(parameters) : parameters
        // Argo CD leaves the template as written when a generator yields an empty parameter set.
        var rendered = parameters.isEmpty ? template : try context.renderer.render(template, with: data)
        guard case .object(var templateObject) = rendered else { throw TemplateError("template must be a map") }
        var metadata = templateObject["metadata"]?.objectValue ?? [:]
        let finalizers = metadata["finalizers"]?.arrayValue ?? []
        if finalizers.isEmpty && !context.preserveResourcesOnDeletion {
            metadata["finalizers"] = [.string(Self.defaultFinalizer)]
        }
        templateObject["metadata"] = .object(metadata)
        rendered = .object(templateObject)
        if let patch = context.templatePatch {
            let patchText = try context.renderer.renderString(patch, .object(data), data)
            let patchValue: Value
            do { patchValue = try YAML.parse(patchText, source: "templatePatch") } catch {
                throw TemplateError("templatePatch is not valid YAML after rendering: \(error)")
            }
            switch patchValue {
            case .null: break // rendered to nothing: no change, as in Argo CD
            case .object: rendered = Self.applyTemplatePatch(patchValue, to: rendered)
            default: throw TemplateError("templatePatch must render to a map")
            }
        }
        return Self.application(from: rendered, namespace: context.appSetNamespace)
    }

    /// Strategic merge as Kubernetes applies it to an Application: maps merge, lists replace,
    /// except `metadata.finalizers`, whose patch strategy is merge (a union).
    static func applyTemplatePatch(_ patch: Value, to application: Value) -> Value {
        var merged = JSONMergePatch.apply(patch, to: application)
        if case .array(let added)? = patch["metadata"]?["finalizers"], case .array(let existing)? = application["metadata"]?["finalizers"],
           case .object(var object) = merged, case .object(var metadata)? = object["metadata"] {
            var union = existing
            for finalizer in added where !union.contains(finalizer) { union.append(finalizer) }
            metadata["finalizers"] = .array(union)
            object["metadata"] = .object(metadata)
            merged = .object(object)
        }
        return merged
    }

    private func goNumberParameters(_ parameters: ValueObject) -> ValueObject {
        parameters.mapValues(goNumbers)
    }

    /// The Application object as Argo CD writes it: type meta, metadata in ObjectMeta order,
    /// the namespace of the ApplicationSet, then spec (and nothing else from the template).
    static func application(from rendered: Value, namespace: String) -> Value {
        var metadata = ValueObject()
        let templateMetadata = rendered["metadata"]?.objectValue ?? [:]
        for key in ["name", "generateName"] { if let v = templateMetadata[key], !isZero(v) { metadata[key] = v } }
        if !namespace.isEmpty { metadata["namespace"] = .string(namespace) }
        for key in ["labels", "annotations", "finalizers"] { if let v = templateMetadata[key], !isZero(v) { metadata[key] = v } }
        var app: ValueObject = [
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Application",
            "metadata": .object(metadata),
        ]
        app["spec"] = ApplicationShape.spec.encode(rendered["spec"])
        return .object(app)
    }

    static func isZero(_ v: Value) -> Bool {
        switch v {
        case .null: return true
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        default: return false
        }
    }

    // MARK: Generators

    struct TransformResult {
        var parameterSets: [ValueObject]
        var template: Value
    }

    struct GenerationFailure: Error { var message: String }

    /// One generator entry: its parameter sets (after interpolation with `inherited` parameters
    /// for a matrix's second child, and the selector filter) and its template merged over the
    /// ApplicationSet's.
    func transform(_ generator: Value, baseTemplate: Value, context: GenerationContext, inherited: ValueObject, path: String) throws -> [TransformResult] {
        guard case .object(var entry) = generator else { throw GenerationFailure(message: "\(path) must be a map") }
        let selectorValue = entry.removeValue(forKey: "selector")
        let kinds = entry.keys.filter { !(entry[$0]?.isNull ?? true) }
        guard kinds.count == 1, let kind = kinds.first else {
            throw GenerationFailure(message: kinds.isEmpty ? "\(path) names no generator" : "\(path) names more than one generator: \(kinds.joined(separator: ", "))")
        }
        var body = entry[kind]!
        if !inherited.isEmpty {
            do { body = try context.renderer.render(body, with: context.goTemplate ? goNumberParameters(inherited) : inherited) } catch {
                throw GenerationFailure(message: "\(path).\(kind): interpolating the first generator's parameters: \(error.message)")
            }
        }
        guard case .object(var bodyObject) = body else { throw GenerationFailure(message: "\(path).\(kind) must be a map") }
        let generatorTemplate = bodyObject.removeValue(forKey: "template") ?? .object([:])
        let template = Self.fillZeroFields(generatorTemplate, from: baseTemplate)
        let where_ = "\(path).\(kind)"
        var parameterSets: [ValueObject]
        switch kind {
        case "list": parameterSets = try listParameters(bodyObject, context: context, path: where_)
        case "clusters": parameterSets = try clusterParameters(bodyObject, context: context, path: where_)
        case "git": parameterSets = try gitParameters(bodyObject, context: context, path: where_)
        case "matrix": parameterSets = try matrixParameters(bodyObject, context: context, path: where_)
        case "merge": parameterSets = try mergeParameters(bodyObject, context: context, path: where_)
        case "scmProvider", "pullRequest", "clusterDecisionResource", "plugin":
            throw GenerationFailure(message: "\(where_): the \(kind) generator is not supported (supported: list, clusters, git, matrix, merge)")
        default:
            throw GenerationFailure(message: "\(where_): unknown generator \"\(kind)\"")
        }
        if let selectorValue, !selectorValue.isNull {
            let selector: LabelSelector
            do { selector = try LabelSelector(structured: selectorValue) } catch {
                throw GenerationFailure(message: "\(path).selector: \(error)")
            }
            parameterSets = parameterSets.filter { parameters in
                var strings: [String: String] = [:]
                for (key, value) in parameters { if case .string(let s) = value { strings[key] = s } }
                return selector.matches(strings)
            }
        }
        return [TransformResult(parameterSets: parameterSets, template: template)]
    }

    /// mergo.Merge(dst: generator template, src: ApplicationSet template): fields the generator
    /// template leaves empty come from the ApplicationSet's template.
    static func fillZeroFields(_ destination: Value, from source: Value) -> Value {
        switch (destination, source) {
        case let (.object(d), .object(s)):
            var out = d
            for (key, value) in s {
                if let existing = out[key], !isZero(existing) {
                    if case .object = existing, case .object = value { out[key] = fillZeroFields(existing, from: value) }
                } else {
                    out[key] = value
                }
            }
            return .object(out)
        default:
            return isZero(destination) ? source : destination
        }
    }

    private func listParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        var elements: [Value] = body["elements"]?.arrayValue ?? []
        if let yamlText = body["elementsYaml"]?.stringValue, !yamlText.isEmpty {
            let parsed: Value
            do { parsed = try YAML.parse(yamlText, source: "\(path).elementsYaml") } catch {
                throw GenerationFailure(message: "\(path).elementsYaml: \(error)")
            }
            guard case .array(let more) = parsed else {
                throw GenerationFailure(message: "\(path).elementsYaml must be a YAML list of maps")
            }
            elements += more
        }
        var out: [ValueObject] = []
        for (index, element) in elements.enumerated() {
            guard case .object(let object) = element else {
                throw GenerationFailure(message: "\(path).elements[\(index)] must be a map")
            }
            if context.goTemplate { out.append(object); continue }
            var parameters = ValueObject()
            for (key, value) in object {
                if key == "values" {
                    guard case .object(let values) = value else {
                        throw GenerationFailure(message: "\(path).elements[\(index)].values must be a map of strings")
                    }
                    for (k, v) in values {
                        guard case .string(let s) = v else {
                            throw GenerationFailure(message: "\(path).elements[\(index)].values.\(k) must be a string (fasttemplate parameters are strings; quote it, or use goTemplate)")
                        }
                        parameters["values.\(k)"] = .string(s)
                    }
                } else {
                    guard case .string(let s) = value else {
                        throw GenerationFailure(message: "\(path).elements[\(index)].\(key) must be a string (fasttemplate parameters are strings; quote it, or use goTemplate)")
                    }
                    parameters[key] = .string(s)
                }
            }
            out.append(parameters)
        }
        return out
    }

    private func clusterParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        var selector = LabelSelector()
        if let selectorValue = body["selector"], !selectorValue.isNull {
            do { selector = try LabelSelector(structured: selectorValue) } catch {
                throw GenerationFailure(message: "\(path).selector: \(error)")
            }
        }
        let values = try stringValues(body["values"], path: "\(path).values")
        var out: [ValueObject] = []
        for cluster in clusters {
            let labels = cluster.secretLabels
            guard selector.matches(labels.mapValues { $0.stringValue ?? "" }.reduce(into: [:]) { $0[$1.key] = $1.value }) else { continue }
            var parameters: ValueObject = [
                "name": .string(cluster.name),
                "nameNormalized": .string(ArgoNames.sanitize(cluster.name)),
                "server": .string(cluster.server),
                "project": .string(cluster.project),
            ]
            if context.goTemplate {
                var metadata = ValueObject()
                if !cluster.annotations.isEmpty { metadata["annotations"] = .object(cluster.annotations) }
                if !labels.isEmpty { metadata["labels"] = .object(labels) }
                parameters["metadata"] = .object(metadata)
            } else {
                for (key, value) in cluster.annotations { parameters["metadata.annotations.\(key)"] = value }
                for (key, value) in labels { parameters["metadata.labels.\(key)"] = value }
            }
            try appendValues(values, to: &parameters, context: context, path: path)
            out.append(parameters)
        }
        return out
    }

    private func stringValues(_ value: Value?, path: String) throws -> [(String, String)] {
        guard let value, !value.isNull else { return [] }
        guard case .object(let object) = value else { throw GenerationFailure(message: "\(path) must be a map of strings") }
        return try object.map { key, member in
            guard let text = member.scalarText else { throw GenerationFailure(message: "\(path).\(key) must be a string") }
            return (key, text)
        }
    }

    /// `values` entries, each templated with the generator's other parameters (never with
    /// other values), as `values.<key>` (fasttemplate) or a nested `values` map (goTemplate).
    private func appendValues(_ values: [(String, String)], to parameters: inout ValueObject, context: GenerationContext, path: String) throws {
        guard !values.isEmpty else { return }
        var nested = ValueObject()
        let data = context.goTemplate ? goNumberParameters(parameters) : parameters
        for (key, template) in values {
            let rendered: String
            do { rendered = try context.renderer.renderString(template, .object(data), data) } catch {
                throw GenerationFailure(message: "\(path).values.\(key): \(error.message)")
            }
            if context.goTemplate { nested[key] = .string(rendered) } else { parameters["values.\(key)"] = .string(rendered) }
        }
        if context.goTemplate { parameters["values"] = .object(nested) }
    }

    private func gitParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        guard let repoURL = body["repoURL"]?.stringValue, !repoURL.isEmpty else {
            throw GenerationFailure(message: "\(path).repoURL is required")
        }
        let revision = body["revision"]?.stringValue ?? "HEAD"
        let prefix = body["pathParamPrefix"]?.stringValue ?? ""
        let values = try stringValues(body["values"], path: "\(path).values")
        let directories = body["directories"]?.arrayValue ?? []
        let files = body["files"]?.arrayValue ?? []
        guard !directories.isEmpty || !files.isEmpty else {
            throw GenerationFailure(message: "\(path) needs directories or files")
        }
        let snapshot: RepositorySnapshot
        do { snapshot = try repositories.snapshot(repoURL: repoURL, revision: revision.isEmpty ? "HEAD" : revision) } catch {
            throw GenerationFailure(message: "\(path): reading \(repoURL) at \(revision.isEmpty ? "HEAD" : revision): \(error)")
        }
        usedRepositories.insert(RepositoryRead(repoURL: repoURL, revision: revision.isEmpty ? "HEAD" : revision, commit: snapshot.commit))
        let listing = try RepositoryListing(tree: snapshot.tree)
        var out: [ValueObject] = []
        if !directories.isEmpty {
            var rules: [(GoGlob, Bool)] = []
            for (index, item) in directories.enumerated() {
                guard let pattern = item["path"]?.stringValue else { throw GenerationFailure(message: "\(path).directories[\(index)].path is required") }
                rules.append((GoGlob(pattern, doubleStar: false), item["exclude"]?.boolValue ?? false))
            }
            for directory in listing.directories {
                var included = false, excluded = false
                for (glob, exclude) in rules where glob.matches(directory) {
                    if exclude { excluded = true } else { included = true }
                }
                guard included && !excluded else { continue }
                var parameters = ValueObject()
                addPathParameters(directory, file: nil, prefix: prefix, goTemplate: context.goTemplate, to: &parameters)
                try appendValues(values, to: &parameters, context: context, path: path)
                out.append(parameters)
            }
            return out
        }
        var includes: [GoGlob] = []
        var excludes: [GoGlob] = []
        for (index, item) in files.enumerated() {
            guard let pattern = item["path"]?.stringValue else { throw GenerationFailure(message: "\(path).files[\(index)].path is required") }
            if item["exclude"]?.boolValue ?? false { excludes.append(GoGlob(pattern, doubleStar: true)) } else { includes.append(GoGlob(pattern, doubleStar: true)) }
        }
        let selected = listing.files.filter { file in
            includes.contains { $0.matches(file) } && !excludes.contains { $0.matches(file) }
        }.sorted()
        for file in selected {
            let bytes: [UInt8]
            do { bytes = try snapshot.tree.readFile(file) } catch {
                throw GenerationFailure(message: "\(path): unable to read '\(file)': \(error)")
            }
            let parsed: Value
            do { parsed = try YAML.parse(bytes, source: file) } catch {
                throw GenerationFailure(message: "\(path): unable to process file '\(file)': \(error)")
            }
            var objects: [ValueObject]
            switch parsed {
            case .object(let o): objects = [o]
            case .null: objects = [[:]]
            case .array(let a):
                objects = try a.enumerated().map { index, element in
                    guard case .object(let o) = element else {
                        throw GenerationFailure(message: "\(path): unable to process file '\(file)': entry \(index) is not a map")
                    }
                    return o
                }
            default:
                throw GenerationFailure(message: "\(path): unable to process file '\(file)': expected a map or a list of maps")
            }
            for object in objects {
                var parameters = ValueObject()
                if context.goTemplate {
                    parameters = object
                } else {
                    Self.flatten(.object(object), prefix: "", into: &parameters)
                }
                addPathParameters(TreePath.directory(of: file), file: file, prefix: prefix, goTemplate: context.goTemplate, to: &parameters)
                try appendValues(values, to: &parameters, context: context, path: path)
                out.append(parameters)
            }
        }
        return out
    }

    /// The `path` parameters of the git generator, flat (`path.basename`, `path[0]`) or nested
    /// (`.path.basename`, `.path.segments`).
    private func addPathParameters(_ directory: String, file: String?, prefix: String, goTemplate: Bool, to parameters: inout ValueObject) {
        let dir = directory.isEmpty ? "." : directory
        let basename = dir == "." ? "." : TreePath.basename(of: dir)
        if goTemplate {
            var nested: ValueObject = ["path": .string(dir), "basename": .string(basename)]
            if let file {
                nested["filename"] = .string(TreePath.basename(of: file))
            }
            nested["basenameNormalized"] = .string(ArgoNames.sanitize(basename))
            if let file { nested["filenameNormalized"] = .string(ArgoNames.sanitize(TreePath.basename(of: file))) }
            nested["segments"] = .array(dir.split(separator: "/", omittingEmptySubsequences: false).map { .string(String($0)) })
            if prefix.isEmpty { parameters["path"] = .object(nested) } else { parameters[prefix] = .object(["path": .object(nested)]) }
            return
        }
        let name = prefix.isEmpty ? "path" : "\(prefix).path"
        parameters[name] = .string(dir)
        parameters["\(name).basename"] = .string(basename)
        if let file { parameters["\(name).filename"] = .string(TreePath.basename(of: file)) }
        parameters["\(name).basenameNormalized"] = .string(ArgoNames.sanitize(basename))
        if let file { parameters["\(name).filenameNormalized"] = .string(ArgoNames.sanitize(TreePath.basename(of: file))) }
        for (index, segment) in dir.split(separator: "/", omittingEmptySubsequences: false).enumerated() where !segment.isEmpty {
            parameters["\(name)[\(index)]"] = .string(String(segment))
        }
    }

    /// jeremywohl/flatten in dot style, each leaf printed with `%v` (so `3` is "3", `true` is
    /// "true" and null is "<nil>").
    static func flatten(_ value: Value, prefix: String, into out: inout ValueObject) {
        switch value {
        case .object(let o) where !o.isEmpty:
            for (key, member) in o { flatten(member, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &out) }
        case .array(let a) where !a.isEmpty:
            for (index, member) in a.enumerated() { flatten(member, prefix: prefix.isEmpty ? "\(index)" : "\(prefix).\(index)", into: &out) }
        default:
            out[prefix] = .string(goFormat(goNumbers(value)))
        }
    }

    private func matrixParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        guard let children = body["generators"]?.arrayValue, children.count >= 2 else {
            throw GenerationFailure(message: "\(path): found less than two generators, Matrix support only two")
        }
        guard children.count == 2 else {
            throw GenerationFailure(message: "\(path): found more than two generators, Matrix support only two")
        }
        let first = try childParameters(children[0], context: context, inherited: [:], path: "\(path).generators[0]")
        var out: [ValueObject] = []
        for previous in first {
            let second = try childParameters(children[1], context: context, inherited: previous, path: "\(path).generators[1]")
            guard out.count + second.count <= Self.maxParameterSets else {
                throw GenerationFailure(message: "\(path) produces more than \(Self.maxParameterSets) parameter sets")
            }
            for current in second {
                if context.goTemplate {
                    out.append(Mergo.merge(previous, current, override: false))
                } else {
                    var combined = previous
                    for (key, value) in current {
                        if let existing = combined[key], existing != value {
                            throw GenerationFailure(message: "\(path): found duplicate key \(key) with different value, a: \(goFormat(existing)) ,b: \(goFormat(value))")
                        }
                        combined[key] = value
                    }
                    out.append(combined)
                }
            }
        }
        return out
    }

    private func childParameters(_ child: Value, context: GenerationContext, inherited: ValueObject, path: String) throws -> [ValueObject] {
        var child = child
        // Selectors of nested matrix/merge children apply only with spec.applyNestedSelectors.
        if !context.applyNestedSelectors, case .object(var object) = child {
            for kind in ["matrix", "merge"] {
                if case .object(var inner)? = object[kind], case .array(let grandchildren)? = inner["generators"] {
                    inner["generators"] = .array(grandchildren.map { g in
                        guard case .object(var o) = g else { return g }
                        o["selector"] = nil
                        return .object(o)
                    })
                    object[kind] = .object(inner)
                }
            }
            child = .object(object)
        }
        let results = try transform(child, baseTemplate: .object([:]), context: context, inherited: inherited, path: path)
        return results.first?.parameterSets ?? []
    }

    private func mergeParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        guard let children = body["generators"]?.arrayValue, children.count >= 2 else {
            throw GenerationFailure(message: "\(path): found less than two generators, Merge requires two or more")
        }
        let mergeKeys = (body["mergeKeys"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard !mergeKeys.isEmpty else {
            throw GenerationFailure(message: "\(path): no merge keys were specified, Merge requires at least one")
        }
        let uniqueKeys = Array(Set(mergeKeys)).sorted()
        func key(of parameters: ValueObject) -> String {
            JSON.encode(.object(ValueObject(uniqueKeysWithValues: uniqueKeys.map { ($0, Self.lookup($0, in: parameters, nested: context.goTemplate) ?? .null) })), options: [.sortedKeys])
        }
        var base = try childParameters(children[0], context: context, inherited: [:], path: "\(path).generators[0]")
        for (offset, child) in children.dropFirst().enumerated() {
            let overrides = try childParameters(child, context: context, inherited: [:], path: "\(path).generators[\(offset + 1)]")
            var byKey: [String: ValueObject] = [:]
            for parameters in overrides {
                let k = key(of: parameters)
                if byKey[k] != nil {
                    throw GenerationFailure(message: "\(path).generators[\(offset + 1)]: the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was \(k)")
                }
                byKey[k] = parameters
            }
            base = base.map { parameters in
                guard let override = byKey[key(of: parameters)] else { return parameters }
                if context.goTemplate { return Mergo.merge(parameters, override, override: true) }
                var combined = parameters
                for (k, v) in override { combined[k] = v }
                return combined
            }
        }
        return base
    }

    static func lookup(_ key: String, in parameters: ValueObject, nested: Bool) -> Value? {
        if let direct = parameters[key] { return direct }
        guard nested else { return nil }
        var current: Value = .object(parameters)
        for part in key.split(separator: ".") {
            guard let next = current[String(part)] else { return nil }
            current = next
        }
        return current
    }
}

/// The ApplicationSet-wide settings every generator and template sees.
struct GenerationContext {
    let goTemplate: Bool
    let renderer: TemplateRenderer
    let template: Value
    let templatePatch: String?
    let preserveResourcesOnDeletion: Bool
    let applyNestedSelectors: Bool
    let appSetNamespace: String

    init(spec: ValueObject, appSetNamespace: String) throws(TemplateError) {
        goTemplate = spec["goTemplate"]?.boolValue ?? false
        let options = (spec["goTemplateOptions"]?.arrayValue ?? []).compactMap(\.stringValue)
        renderer = try TemplateRenderer(useGoTemplate: goTemplate, options: options)
        guard let template = spec["template"], case .object = template else {
            throw TemplateError("spec.template is required")
        }
        self.template = template
        templatePatch = spec["templatePatch"]?.stringValue
        preserveResourcesOnDeletion = spec["syncPolicy"]?["preserveResourcesOnDeletion"]?.boolValue ?? false
        applyNestedSelectors = spec["applyNestedSelectors"]?.boolValue ?? false
        self.appSetNamespace = appSetNamespace
    }
}
