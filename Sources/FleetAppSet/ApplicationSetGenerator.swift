import OrderedCollections
import FleetModel
import FleetTemplate
import FleetYAML

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
    var usedRepositories = Set<RepositoryRead>()

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
            _ = try ApplicationsSyncPolicy.declared(in: appSet)
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
        try ApplicationFieldTypes.check(spec: template["spec"] ?? .null, named: "spec.template.spec")
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
            let project = rendered["spec"]?["project"]
            switch patchValue {
            case .null: break // rendered to nothing: no change, as in Argo CD
            case .object: rendered = Self.applyTemplatePatch(patchValue, to: rendered)
            case .array: rendered = try Self.applyJSONPatch(patchValue, to: rendered)
            default: throw TemplateError("templatePatch must render to a map (a patch of the Application) or a list (a JSON patch), not \(patchValue.typeName)")
            }
            try ApplicationFieldTypes.check(spec: rendered["spec"] ?? .null, named: "templatePatch: spec")
            // "The spec.project field is not supported in templatePatch": Argo CD puts the
            // template's project back after patching, so a patch cannot move an Application
            // into another team's project.
            if case .object(var object) = rendered, case .object(var spec)? = object["spec"] {
                spec["project"] = project
                object["spec"] = .object(spec)
                rendered = .object(object)
            }
        }
        return Self.application(from: rendered, namespace: context.appSetNamespace)
    }

    /// A templatePatch that renders to a list: RFC 6902 operations on the Application
    /// (Argo CD's `json+patch` form, useful for editing one entry of `sources`).
    static func applyJSONPatch(_ patch: Value, to application: Value) throws(TemplateError) -> Value {
        do {
            return try JSONPatch.apply(try JSONPatch.operations(from: patch), to: application)
        } catch {
            throw TemplateError("templatePatch (JSON patch): \(error)")
        }
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

    func goNumberParameters(_ parameters: ValueObject) -> ValueObject {
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
            parameterSets = parameterSets.filter { selector.matches(Self.flattenedForSelector($0)) }
        }
        return [TransformResult(parameterSets: parameterSets, template: template)]
    }

    /// The labels a post selector matches, as Argo CD's `flattenParameters` makes them: nested
    /// maps and lists flattened to dotted keys (`metadata.labels.env`, `zones.0`), every value
    /// printed as Go's `%v` prints it.
    static func flattenedForSelector(_ parameters: ValueObject) -> [String: String] {
        var flat = ValueObject()
        flatten(.object(parameters), prefix: "", into: &flat)
        return flat.reduce(into: [:]) { $0[$1.key] = $1.value.stringValue }
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
}

/// The ApplicationSet-wide settings every generator and template sees.
struct GenerationContext {
    let goTemplate: Bool
    let renderer: TemplateRenderer
    let template: Value
    let templatePatch: String?
    let preserveResourcesOnDeletion: Bool
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
        self.appSetNamespace = appSetNamespace
    }
}
