import FleetModel
import FleetTemplate
import FleetYAML
import OrderedCollections

/// Reads the clusters a fleet knows: `fleet/v1alpha1` Cluster records, and for users coming
/// from Argo CD, cluster Secrets (`argocd.argoproj.io/secret-type: cluster`) too, so an
/// existing cluster list works unchanged. Other documents are skipped.
public enum ClusterCatalog {
    public static func clusters(in documents: [YAMLDocument], source: String) throws(ClusterRecordError) -> [ClusterRecord] {
        var out: [ClusterRecord] = []
        var seen: [String: String] = [:]
        for document in documents {
            let where_ = document.line > 0 ? "\(source):\(document.line)" : source
            let record: ClusterRecord
            if ClusterRecord.isRecord(document.value) {
                record = try ClusterRecord(document.value, source: where_)
            } else if let secret = try clusterSecret(document.value, source: where_) {
                record = secret
            } else {
                continue
            }
            if let earlier = seen[record.name] {
                throw ClusterRecordError(source: where_, "cluster \"\(record.name)\" is already defined at \(earlier)")
            }
            seen[record.name] = where_
            out.append(record)
        }
        return out
    }

    /// An Argo CD cluster Secret as a record: `name` and `server` from `stringData` or
    /// base64 `data`, labels (without the secret-type label, which records imply) and annotations.
    /// A name that is not a DNS name (`Staging_EU`, an EKS ARN) is the Argo CD name of a
    /// cluster whose identity is the Secret's `metadata.name`.
    static func clusterSecret(_ document: Value, source: String) throws(ClusterRecordError) -> ClusterRecord? {
        guard document["kind"]?.stringValue == "Secret", document["apiVersion"]?.stringValue == "v1",
              document["metadata"]?["labels"]?[ClusterRecord.secretTypeLabel]?.stringValue == "cluster" else { return nil }
        func field(_ key: String) -> String? {
            if let text = document["stringData"]?[key]?.stringValue { return text }
            if let encoded = document["data"]?[key]?.stringValue, let bytes = Base64.decode(encoded) {
                return String(decoding: bytes, as: UTF8.self)
            }
            return nil
        }
        guard let name = field("name"), !name.isEmpty else {
            throw ClusterRecordError(source: source, "cluster Secret has no name in data or stringData")
        }
        // The identity is the cluster's name when it can be one, else the Secret's own name (a
        // DNS name by Kubernetes' rules); Argo CD's name stays what generators and destinations see.
        let secretName = document["metadata"]?["name"]?.stringValue ?? ""
        guard let identity = ClusterRecord.isIdentity(name) ? name : ClusterRecord.isIdentity(secretName) ? secretName : nil else {
            throw ClusterRecordError(source: source, "cluster Secret \"\(secretName)\" names cluster \"\(name)\", and neither is a DNS name a spoke can use (lower-case letters, digits, '-' and '.')")
        }
        var labels = document["metadata"]?["labels"]?.objectValue ?? [:]
        labels[ClusterRecord.secretTypeLabel] = nil
        return ClusterRecord(
            name: identity,
            argoCDName: name,
            labels: labels.compactMapValues { $0.scalarText.map(Value.string) },
            annotations: (document["metadata"]?["annotations"]?.objectValue ?? [:]).compactMapValues { $0.scalarText.map(Value.string) },
            server: field("server") ?? "",
            project: field("project") ?? "",
            source: source
        )
    }
}
