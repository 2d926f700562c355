import OrderedCollections

/// A cluster of the fleet, as recorded in Git (`kind: Cluster`, `apiVersion: fleet/v1alpha1`).
///
/// The record is the source of truth for disaster recovery: rebuilding a cluster starts from
/// its record and the Applications that target it. For the ApplicationSet cluster generator a
/// record stands for an Argo CD cluster Secret, so it yields the same parameters.
public struct ClusterRecord: Equatable, Sendable {
    public static let apiVersion = "fleet/v1alpha1"
    public static let kind = "Cluster"
    /// The label every Argo CD cluster Secret carries; generators see it as one of the labels.
    public static let secretTypeLabel = "argocd.argoproj.io/secret-type"

    /// The DNS identity (`metadata.name`): what the spoke authenticates as, and the plan's cluster.
    public var name: String
    /// The cluster's name as Argo CD knows it (`spec.name`; an EKS ARN, `Staging_EU`...),
    /// `name` when the record does not say: the cluster generator's `name` parameter, and
    /// what an Application's `destination.name` may say besides `name`.
    public var argoCDName: String
    public var labels: ValueObject
    public var annotations: ValueObject
    /// The cluster's API URL; empty when the record does not say.
    public var server: String
    /// The Argo CD project the cluster belongs to (`spec.project`), empty when none.
    public var project: String
    /// Where the record was read from (for error messages).
    public var source: String

    public init(name: String, argoCDName: String? = nil, labels: ValueObject = [:], annotations: ValueObject = [:], server: String = "", project: String = "",
                source: String = "") {
        self.name = name
        self.argoCDName = argoCDName ?? name
        self.labels = labels
        self.annotations = annotations
        self.server = server
        self.project = project
        self.source = source
    }

    /// Whether a document is a Cluster record (other documents in the same files are ignored).
    public static func isRecord(_ document: Value) -> Bool {
        document["kind"]?.stringValue == kind && document["apiVersion"]?.stringValue == apiVersion
    }

    /// Reads a record, refusing what would make it ambiguous: no name, a name that is not a
    /// DNS label, labels or annotations that are not strings.
    public init(_ document: Value, source: String) throws(ClusterRecordError) {
        guard ClusterRecord.isRecord(document) else {
            throw ClusterRecordError(source: source, "not a \(Self.apiVersion) \(Self.kind)")
        }
        guard let name = document["metadata"]?["name"]?.stringValue, !name.isEmpty else {
            throw ClusterRecordError(source: source, "metadata.name is required")
        }
        guard Self.isIdentity(name) else {
            throw ClusterRecordError(source: source, "metadata.name \"\(name)\" must be lower-case letters, digits, '-' and '.'")
        }
        func stringMap(_ field: String) throws(ClusterRecordError) -> ValueObject {
            guard let value = document["metadata"]?[field], !value.isNull else { return [:] }
            guard case .object(let object) = value else {
                throw ClusterRecordError(source: source, "metadata.\(field) must be a map")
            }
            var out = ValueObject()
            for (key, member) in object {
                guard let text = member.scalarText else {
                    throw ClusterRecordError(source: source, "metadata.\(field).\(key) must be a string")
                }
                out[key] = .string(text)
            }
            return out
        }
        self.name = name
        labels = try stringMap("labels")
        annotations = try stringMap("annotations")
        if let server = document["spec"]?["server"], !server.isNull {
            guard let text = server.stringValue else { throw ClusterRecordError(source: source, "spec.server must be a string") }
            self.server = text
        } else {
            server = ""
        }
        project = document["spec"]?["project"]?.stringValue ?? ""
        if let given = document["spec"]?["name"], !given.isNull {
            guard let text = given.stringValue, !text.isEmpty, text.utf8.count <= 253 else {
                throw ClusterRecordError(source: source, "spec.name must be a non-empty string of at most 253 bytes")
            }
            argoCDName = text
        } else {
            argoCDName = name
        }
        self.source = source
    }

    /// Whether a name can be a cluster's identity: a DNS subdomain (lower-case letters, digits,
    /// `-` and `.`, at most 253 bytes, not starting or ending with `-`).
    public static func isIdentity(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 253 && name.first != "-" && name.last != "-"
            && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x2E }
    }

    /// The labels an Argo CD cluster Secret for this cluster would carry.
    public var secretLabels: ValueObject {
        var out = labels
        out[Self.secretTypeLabel] = "cluster"
        return out
    }
}

public struct ClusterRecordError: Error, CustomStringConvertible, Equatable, Sendable {
    public var source: String
    public var message: String
    public init(source: String, _ message: String) {
        self.source = source
        self.message = message
    }
    public var description: String { "\(source): \(message)" }
}
