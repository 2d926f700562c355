import FleetModel
import FleetPlan
import FleetProtocol
import Testing

/// What a DR drill warns about: the objects whose data a rebuild from Git does not restore.
@Suite struct StatefulObjectsTests {
    @Test func claimsAndStatefulSetVolumeTemplatesAreNamedWithTheirApplication() {
        func resource(_ kind: String, _ name: String, _ object: Value = [:]) -> PlannedResource {
            PlannedResource(group: kind == "StatefulSet" ? "apps" : "", version: "v1", kind: kind, namespace: "db", name: name, object: object)
        }
        let database = PlanEntry(name: "db-eu", resources: [
            resource("PersistentVolumeClaim", "data"),
            resource("StatefulSet", "pg", ["spec": ["volumeClaimTemplates": [["metadata": ["name": "wal"]], ["metadata": ["name": "base"]]]]]),
            resource("StatefulSet", "cache", ["spec": ["replicas": 1]]),
            resource("Deployment", "api"),
        ])
        let found = StatefulObjects.find(in: Plan(cluster: "eu", server: "", applications: [PlanEntry(name: "web-eu"), database]))
        #expect(found.map(\.name) == ["data", "pg"], "a StatefulSet without volume claims holds no data Git cannot restore")
        #expect(found.allSatisfy { $0.application == "db-eu" && $0.namespace == "db" })
        #expect(found[1].note.contains("wal-pg-N, base-pg-N"))
    }
}
