import FleetModel
import FleetYAML

/// Where an object came from, or which transformer changed it: kustomize's `resource.Origin`,
/// written to `config.kubernetes.io/origin` and `alpha.config.kubernetes.io/transformations`
/// when the top kustomization's `buildMetadata` asks for them.
struct BuildOrigin: Equatable, Sendable {
    /// The file an object was read from, relative to the top kustomization's directory.
    var path = ""
    /// The kustomization (or plugin configuration file) that configured a generator or
    /// transformer, and the plugin it configured.
    var configuredIn = ""
    var kind = ""
    var name = ""
    var namespace = ""

    static func file(_ path: String) -> BuildOrigin { BuildOrigin(path: path) }

    static func builtin(_ kind: String, configuredIn: String, name: String = "", namespace: String = "") -> BuildOrigin {
        BuildOrigin(configuredIn: configuredIn, kind: kind, name: name, namespace: namespace)
    }

    /// As kustomize marshals it (fields in its struct's order, empty ones left out).
    var value: Value {
        var fields = ValueObject()
        if !path.isEmpty { fields["path"] = .string(path) }
        if !configuredIn.isEmpty {
            fields["configuredIn"] = .string(configuredIn)
            var by: ValueObject = ["apiVersion": "builtin", "kind": .string(kind)]
            if !name.isEmpty { by["name"] = .string(name) }
            if !namespace.isEmpty { by["namespace"] = .string(namespace) }
            fields["configuredBy"] = .object(by)
        }
        return .object(fields)
    }
}

/// The `buildMetadata` options of the top kustomization (kustomize applies the top's to every
/// kustomization of the build).
struct BuildMetadataOptions: Sendable {
    var originAnnotations = false
    var transformerAnnotations = false
    var managedByLabel = false

    init(_ options: [String]) {
        originAnnotations = options.contains("originAnnotations")
        transformerAnnotations = options.contains("transformerAnnotations")
        managedByLabel = options.contains("managedByLabel")
    }

    static let originAnnotation = "config.kubernetes.io/origin"
    static let transformationsAnnotation = "alpha.config.kubernetes.io/transformations"
    static let managedByLabelKey = "app.kubernetes.io/managed-by"
    /// What kubectl v1.32's embedded kustomize reports as its version.
    static let managedByValue = "kustomize-(devel)"

    /// Writes what was asked for into every object, at the end of the build.
    func apply(to resources: inout [KustomizeResource]) {
        for index in resources.indices {
            var resource = resources[index]
            if managedByLabel {
                var labels = resource.object[path: "metadata", "labels"]?.objectValue ?? [:]
                labels[Self.managedByLabelKey] = .string(Self.managedByValue)
                resource.object[path: "metadata", "labels"] = .object(labels)
            }
            if originAnnotations, let origin = resource.origin {
                resource.setAnnotation(Self.originAnnotation, YAML.emit(origin.value))
            }
            if transformerAnnotations, !resource.transformations.isEmpty {
                resource.setAnnotation(Self.transformationsAnnotation, YAML.emit(.array(resource.transformations.map(\.value))))
            }
            resources[index] = resource
        }
    }
}

extension KustomizeResource {
    mutating func setAnnotation(_ key: String, _ value: String) {
        var annotations = object[path: "metadata", "annotations"]?.objectValue ?? [:]
        annotations[key] = .string(value)
        object[path: "metadata", "annotations"] = .object(annotations)
    }
}
