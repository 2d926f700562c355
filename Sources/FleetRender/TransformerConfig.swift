import FleetModel

/// Where each built-in transformer writes, per type: kustomize's `TransformerConfig`.
///
/// A build starts from kustomize's defaults; a kustomization's `configurations:` files add
/// field specs (a CRD's selector for `commonLabels`, a custom kind's reference to a ConfigMap,
/// a field `vars` may be expanded in). What a base adds stays in force above it: the
/// configuration travels up with the base's resources, as kustomize's accumulator merges it.
struct TransformerConfig: Sendable {
    var namePrefix: [FieldSpec]
    var nameSuffix: [FieldSpec]
    var namespace: [FieldSpec]
    var commonLabels: [FieldSpec]
    var templateLabels: [FieldSpec]
    /// Extra fields every `labels:` entry writes (not `commonLabels`).
    var labels: [FieldSpec]
    var commonAnnotations: [FieldSpec]
    var images: [FieldSpec]
    var replicas: [FieldSpec]
    var nameReference: [NameReference]
    var varReference: [FieldSpec]
    /// False once anything was merged into the defaults: lets the fixer keep one shared index.
    private(set) var isDefault: Bool

    /// A configuration with no field specs at all (what a configuration file starts as).
    static let empty = TransformerConfig(namePrefix: [], nameSuffix: [], namespace: [], commonLabels: [], templateLabels: [], labels: [],
                                         commonAnnotations: [], images: [], replicas: [], nameReference: [], varReference: [],
                                         isDefault: false)

    /// Kustomize's built-in configuration (kubectl v1.32's, `api/konfig/builtinpluginconsts`).
    static let `default`: TransformerConfig = {
        var config = TransformerConfig(
        namePrefix: [FieldSpec(path: "metadata/name")],
        nameSuffix: [FieldSpec(path: "metadata/name")],
        namespace: [FieldSpec(path: "metadata/namespace", create: true)] + BuiltinFieldSpecs.namespace,
        commonLabels: BuiltinFieldSpecs.commonLabels,
        templateLabels: [BuiltinFieldSpecs.metadataLabels] + BuiltinFieldSpecs.templateLabels,
        labels: [],
        commonAnnotations: BuiltinFieldSpecs.commonAnnotations,
        images: BuiltinFieldSpecs.images,
        replicas: BuiltinFieldSpecs.replicaKinds.map { FieldSpec(kind: $0, path: "spec/replicas", create: true) },
        nameReference: NameReferenceTable.entries,
        varReference: BuiltinFieldSpecs.varReference,
        isDefault: true)
        config.sort()
        return config
    }()

    /// Kustomize's `TransformerConfig.Merge`: each list gets the other's field specs it does
    /// not have yet (same path, and a type the existing spec is selected by; the same spec
    /// with another `create` is a conflict), name references merge per referred type, and every
    /// list ends sorted by type. Order matters, as in kustomize: merged into a list that already
    /// holds `Foo metadata/name`, a `metadata/name` for every type counts as present and is
    /// dropped, which is how a `namePrefix` configuration for one kind ends up replacing the
    /// default (kubectl then prefixes only that kind).
    func merging(_ other: TransformerConfig) throws(TransformerConfigConflict) -> TransformerConfig {
        if other.isDefault && (isDefault || isEmpty) { return other }
        var merged = self
        try Self.merge(&merged.namePrefix, other.namePrefix, "namePrefix")
        try Self.merge(&merged.nameSuffix, other.nameSuffix, "nameSuffix")
        try Self.merge(&merged.namespace, other.namespace, "namespace")
        try Self.merge(&merged.commonAnnotations, other.commonAnnotations, "commonAnnotations")
        try Self.merge(&merged.commonLabels, other.commonLabels, "commonLabels")
        try Self.merge(&merged.labels, other.labels, "labels")
        try Self.merge(&merged.templateLabels, other.templateLabels, "templateLabels")
        try Self.merge(&merged.varReference, other.varReference, "varReference")
        for reference in other.nameReference {
            var found = false
            for index in merged.nameReference.indices where merged.nameReference[index].target == reference.target {
                try Self.merge(&merged.nameReference[index].referrers, reference.referrers, "nameReference")
                found = true
            }
            if !found { merged.nameReference.append(reference) }
        }
        try Self.merge(&merged.images, other.images, "images")
        try Self.merge(&merged.replicas, other.replicas, "replicas")
        merged.sort()
        merged.isDefault = false
        return merged
    }

    private var isEmpty: Bool {
        namePrefix.isEmpty && nameSuffix.isEmpty && namespace.isEmpty && commonLabels.isEmpty && templateLabels.isEmpty
            && labels.isEmpty && commonAnnotations.isEmpty && images.isEmpty && replicas.isEmpty && nameReference.isEmpty
            && varReference.isEmpty
    }

    /// Kustomize's `FsSlice.MergeAll`.
    static func merge(_ specs: inout [FieldSpec], _ incoming: [FieldSpec], _ field: String) throws(TransformerConfigConflict) {
        for spec in incoming {
            if let existing = specs.first(where: { $0.path == spec.path && $0.gvk.isSelected(by: spec.gvk) }) {
                guard existing.create == spec.create else { throw TransformerConfigConflict(field: field, spec: spec) }
                continue
            }
            specs.append(spec)
        }
    }

    /// kustomize's `sortFields`: every list by type (`Gvk.IsLessThan`).
    mutating func sort() {
        func less(_ a: GroupVersionKind, _ b: GroupVersionKind) -> Bool {
            let (ra, rb) = (Self.kindRank[a.kind] ?? 0, Self.kindRank[b.kind] ?? 0)
            if ra != rb { return ra < rb }
            return Self.sortKey(a).utf8.lexicographicallyPrecedes(Self.sortKey(b).utf8)
        }
        for keyPath: WritableKeyPath<TransformerConfig, [FieldSpec]> in [\.namePrefix, \.nameSuffix, \.namespace, \.commonLabels, \.labels,
                                                                          \.templateLabels, \.commonAnnotations, \.varReference, \.images, \.replicas] {
            self[keyPath: keyPath].sort { less($0.gvk, $1.gvk) }
        }
        nameReference.sort { less($0.target, $1.target) }
    }

    private static let kindRank: [String: Int] = {
        var rank: [String: Int] = [:]
        let first = LegacySorter.defaultOrderFirst, last = LegacySorter.defaultOrderLast
        for (i, kind) in first.enumerated() { rank[kind] = -first.count + i }
        for (i, kind) in last.enumerated() { rank[kind] = 1 + i }
        return rank
    }()

    /// kyaml's `Gvk.String()`: `Kind.version.group` with `[noKind]`, `[noVer]`, `[noGrp]`.
    private static func sortKey(_ gvk: GroupVersionKind) -> String {
        "\(gvk.kind.isEmpty ? "[noKind]" : gvk.kind).\(gvk.version.isEmpty ? "[noVer]" : gvk.version).\(gvk.group.isEmpty ? "[noGrp]" : gvk.group)"
    }
}

/// Two field specs for the same field of the same type that disagree on `create`.
struct TransformerConfigConflict: Error {
    var field: String
    var spec: FieldSpec

    var message: String {
        "conflicting fieldspecs: \(field) has \(spec.path.joined(separator: "/"))"
            + (spec.gvk.kind.isEmpty ? "" : " of \(spec.gvk.kind)") + " both with and without create"
    }
}

extension BuiltinFieldSpecs {
    /// Fields in which `vars` are expanded (`$(NAME)`): kustomize's default `varReference`.
    static let varReference: [FieldSpec] = {
        var specs: [FieldSpec] = []
        let containerFields = ["args", "command", "env/value", "volumeMounts/mountPath"]
        let podSpecs: [(kind: String, spec: String, nfs: String)] = [
            ("CronJob", "spec/jobTemplate/spec/template/spec", "spec/jobTemplate/spec/template/volumes/nfs/server"),
            ("DaemonSet", "spec/template/spec", "spec/template/spec/volumes/nfs/server"),
            ("Deployment", "spec/template/spec", "spec/template/spec/volumes/nfs/server"),
            ("Job", "spec/template/spec", "spec/template/spec/volumes/nfs/server"),
            ("Pod", "spec", "spec/volumes/nfs/server"),
            ("ReplicaSet", "spec/template/spec", "spec/template/spec/volumes/nfs/server"),
            ("StatefulSet", "spec/template/spec", "spec/volumeClaimTemplates/spec/nfs/server"),
        ]
        for (kind, spec, nfs) in podSpecs {
            for containers in ["containers", "initContainers"] {
                specs += containerFields.map { FieldSpec(kind: kind, path: "\(spec)/\(containers)/\($0)") }
            }
            specs.append(FieldSpec(kind: kind, path: nfs))
            if kind == "Deployment" { specs.append(FieldSpec(kind: kind, path: "spec/template/metadata/annotations")) }
        }
        specs += [
            FieldSpec(kind: "Ingress", path: "spec/rules/host"),
            FieldSpec(kind: "Ingress", path: "spec/tls/hosts"),
            FieldSpec(kind: "Ingress", path: "spec/tls/secretName"),
            FieldSpec(kind: "Service", path: "spec/ports/port"),
            FieldSpec(kind: "Service", path: "spec/ports/targetPort"),
            FieldSpec(kind: "PersistentVolume", path: "spec/nfs/server"),
            FieldSpec(path: "metadata/labels"),
            FieldSpec(path: "metadata/annotations"),
        ]
        return specs
    }()
}

/// Kustomize's `crds:` field: Go OpenAPI definitions of custom types (a map of type name to
/// `{Schema, Dependencies}`, as openapi-gen writes them) whose properties carry kustomize's
/// extensions, turned into field specs: `x-kubernetes-object-ref-kind` (and `-api-version`,
/// `-name-key`) into name references, `x-kubernetes-annotation` into commonAnnotations,
/// `x-kubernetes-label-selector` into commonLabels, `x-kubernetes-identity` into namePrefix.
enum CRDFieldSpecs {
    /// How deep `$ref`s are followed (kustomize follows them without a bound; a cycle would
    /// never end there).
    static let maxDepth = 32

    static func config(from document: Value) throws(TransformerConfigConflict) -> TransformerConfig {
        guard case .object(let types) = document else { return .empty }
        var result = TransformerConfig.empty
        for (name, api) in types {
            guard let properties = api[path: "Schema", "properties"]?.objectValue,
                  properties["kind"] != nil, properties["apiVersion"] != nil, properties["metadata"] != nil else { continue }
            // The kind is the type name's last `.`-separated part; group and version are unknown.
            let kind = String(name.split(separator: "/").last?.split(separator: ".").last ?? "")
            var config = TransformerConfig.empty
            try load(GroupVersionKind(group: "", version: "", kind: kind), typeName: name, types: types, path: [], into: &config)
            result = try result.merging(config)
        }
        return result
    }

    private static func load(_ gvk: GroupVersionKind, typeName: String, types: ValueObject, path: [String],
                             into config: inout TransformerConfig) throws(TransformerConfigConflict) {
        guard path.count < maxDepth, let properties = types[typeName]?[path: "Schema", "properties"]?.objectValue else { return }
        for (property, schema) in properties {
            let here = path + [property]
            func spec(_ fieldPath: [String]) -> FieldSpec {
                var spec = FieldSpec(path: "")
                spec.gvk = gvk
                spec.path = fieldPath
                return spec
            }
            if schema["x-kubernetes-annotation"]?.stringValue != nil {
                try TransformerConfig.merge(&config.commonAnnotations, [spec(here)], "commonAnnotations")
            }
            if schema["x-kubernetes-label-selector"]?.stringValue != nil {
                try TransformerConfig.merge(&config.commonLabels, [spec(here)], "commonLabels")
            }
            if schema["x-kubernetes-identity"]?.stringValue != nil {
                try TransformerConfig.merge(&config.namePrefix, [spec(here)], "namePrefix")
            }
            if let version = schema["x-kubernetes-object-ref-api-version"]?.stringValue,
               let kind = schema["x-kubernetes-object-ref-kind"]?.stringValue {
                let nameKey = schema["x-kubernetes-object-ref-name-key"]?.stringValue ?? "name"
                let target = GroupVersionKind(group: "", version: version, kind: kind)
                let referrer = spec(here + [nameKey])
                if let index = config.nameReference.firstIndex(where: { $0.target == target }) {
                    try TransformerConfig.merge(&config.nameReference[index].referrers, [referrer], "nameReference")
                } else {
                    config.nameReference.append(NameReference(target: target, referrers: [referrer]))
                }
            }
            if let reference = schema["$ref"]?.stringValue, !reference.isEmpty {
                try load(gvk, typeName: reference, types: types, path: here, into: &config)
            }
        }
    }
}
