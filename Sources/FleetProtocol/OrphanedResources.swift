import FleetModel

/// An AppProject's `spec.orphanedResources`: its Applications' destination namespaces are
/// watched for top-level objects no Application manages, and with `warn` each such Application
/// gets an `OrphanedResourceWarning`. Travels in each plan entry's `projectRules`: the spoke is
/// the one that sees the cluster.
public struct OrphanedResourcesPolicy: Equatable, Sendable {
    /// Argo CD's `IsWarn`: true unless `warn: false` (an absent `warn` warns).
    public var warn: Bool
    /// Objects never counted (group, kind and name globs; an empty kind or name matches any).
    public var ignore: [ProjectRules.ResourceRule]

    public init(warn: Bool = true, ignore: [ProjectRules.ResourceRule] = []) {
        self.warn = warn
        self.ignore = ignore
    }

    /// Argo CD's `isKnownOrphanedResourceExclusion`: the `kubernetes` Service in `default`, every
    /// `default` ServiceAccount (and its token Secret), every `kube-root-ca.crt` ConfigMap, and
    /// what an ignore rule names.
    public func ignores(group: String, kind: String, namespace: String, name: String, object: Value? = nil) -> Bool {
        if group.isEmpty {
            if kind == "Service", name == "kubernetes", namespace == "default" { return true }
            if kind == "ServiceAccount", name == "default" { return true }
            if kind == "ConfigMap", name == "kube-root-ca.crt" { return true }
            if kind == "Secret", object?["type"]?.stringValue == "kubernetes.io/service-account-token",
               object?["metadata"]?["annotations"]?["kubernetes.io/service-account.name"]?.stringValue == "default" { return true }
        }
        return ignore.contains { rule in
            (rule.kind.isEmpty || ProjectRules.glob(rule.kind, kind, separators: [])) && ProjectRules.glob(rule.group, group, separators: [])
                && (rule.name.isEmpty || ProjectRules.glob(rule.name, name, separators: []))
        }
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        warn = try reader.bool("warn", default: true)
        ignore = try reader.list("ignore") { (r) throws(ProtocolError) in
            ProjectRules.ResourceRule(group: try r.optionalString("group") ?? "", kind: try r.optionalString("kind") ?? "", name: try r.optionalString("name") ?? "")
        }
    }

    public var value: Value {
        ["warn": .bool(warn), "ignore": .array(ignore.map { rule in
            var o: ValueObject = ["group": .string(rule.group), "kind": .string(rule.kind)]
            if !rule.name.isEmpty { o["name"] = .string(rule.name) }
            return .object(o)
        })]
    }
}
