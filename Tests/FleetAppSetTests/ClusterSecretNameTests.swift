import FleetAppSet
import FleetModel
import FleetYAML
import Testing

/// Argo CD cluster Secrets whose cluster name is not a DNS name keep it as their Argo CD name.
@Suite struct ClusterSecretNameTests {
    func records(_ yaml: String) throws -> [ClusterRecord] {
        try ClusterCatalog.clusters(in: try YAML.parseStream(Array(yaml.utf8), source: "s.yaml"), source: "s.yaml")
    }

    @Test func aSecretNamingItsClusterFreelyIsIdentifiedByTheSecretsName() throws {
        let records = try records("""
            apiVersion: v1
            kind: Secret
            metadata: {name: staging-eu-secret, labels: {argocd.argoproj.io/secret-type: cluster}}
            stringData: {name: Staging_EU, server: 'https://k.example.com'}
            ---
            apiVersion: v1
            kind: Secret
            metadata: {name: prod-secret, labels: {argocd.argoproj.io/secret-type: cluster}}
            stringData: {name: prod, server: 'https://p.example.com'}
            """)
        #expect(records.map(\.name) == ["staging-eu-secret", "prod"])
        #expect(records.map(\.argoCDName) == ["Staging_EU", "prod"])
        #expect(throws: ClusterRecordError.self) {
            try self.records("apiVersion: v1\nkind: Secret\nmetadata: {name: Bad_Name, labels: {argocd.argoproj.io/secret-type: cluster}}\nstringData: {name: Also Bad}\n")
        }
    }
}
