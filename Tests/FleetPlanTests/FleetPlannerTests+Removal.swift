import FleetModel
import FleetProtocol
import Testing

@testable import FleetPlan

/// What a plan tells a spoke about Applications that leave it. Argo CD: "All Application
/// resources created by the ApplicationSet controller will contain ... a
/// resources-finalizer.argocd.argoproj.io finalizer ... if .syncPolicy.preserveResourcesOnDeletion
/// is set to false"; an Application deletes its resources with it only with that finalizer.
extension FleetPlannerTests {
    @Test func generatedApplicationsCarryTheFinalizersRemovalUnlessTheirSetPreservesResources() throws {
        let (history, planner) = fleet()
        let plan = try Plan(json: try #require(try planner.plan().plans["eu-west-1"]).json)
        #expect(plan.entry(named: "web-eu-west-1")?.removal == .foreground)
        #expect(plan.entry(named: "tools-eu-west-1")?.removal == .foreground)

        let tools = try #require(Self.baseFiles["applicationsets/tools.yaml"])
        let preserving = tools.replacing("  goTemplate: true\n", with: "  goTemplate: true\n  syncPolicy: {preserveResourcesOnDeletion: true}\n")
        #expect(preserving != tools)
        history.commit(["applicationsets/tools.yaml": preserving])
        let preserved = try Plan(json: try #require(try planner.plan().plans["eu-west-1"]).json)
        #expect(preserved.entry(named: "tools-eu-west-1")?.removal == nil, "preserveResourcesOnDeletion: objects stay")
    }

    @Test func aPlainApplicationsFinalizersSayHowItsObjectsGo() throws {
        let (history, planner) = fleet()
        func application(_ name: String, finalizers: String) -> String {
            """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata: {name: \(name), namespace: argocd\(finalizers)}
            spec:
              project: default
              source: {repoURL: '\(Self.fleetURL)', path: apps/tools}
              destination: {name: eu-west-1, namespace: tools}
            """
        }
        history.commit([
            "applications/none.yaml": application("none", finalizers: ""),
            "applications/fg.yaml": application("fg", finalizers: ", finalizers: [resources-finalizer.argocd.argoproj.io/foreground]"),
            "applications/bg.yaml": application("bg", finalizers: ", finalizers: [resources-finalizer.argocd.argoproj.io/background]"),
        ])
        let plan = try Plan(json: try #require(try planner.plan().plans["eu-west-1"]).json)
        #expect(plan.entry(named: "none")?.removal == nil)
        #expect(plan.entry(named: "fg")?.removal == .foreground)
        #expect(plan.entry(named: "bg")?.removal == .background)
    }

    @Test func anApplicationSetThatNeverGeneratedHoldsRemovalsInEveryPlan() throws {
        let history = InMemoryHistory()
        var files = Self.baseFiles
        files["applicationsets/web.yaml"] = files["applicationsets/web.yaml"]?.replacing("- clusters:", with: "- nonsense:")
        history.commit(files)
        // A hub that starts on this commit has no earlier generation of `web` to keep.
        let planner = FleetPlanner(repositories: history, fleetRepoURL: Self.fleetURL)
        let result = try planner.plan()
        for (cluster, served) in result.plans {
            let plan = try Plan(json: served.json)
            #expect(plan.holdRemovals?.contains("ApplicationSet web could not be generated") == true, "cluster \(cluster)")
            #expect(plan.canonicalJSON == served.json, "the planner writes what the protocol would")
        }
        history.commit(["applicationsets/web.yaml": try #require(Self.baseFiles["applicationsets/web.yaml"])])
        let fixed = try planner.plan()
        #expect(try fixed.plans.values.allSatisfy { try Plan(json: $0.json).holdRemovals == nil })
    }

    @Test func aClusterRecordMayAllowItsPlanToBeEmptied() throws {
        let (history, planner) = fleet()
        let record = try #require(Self.baseFiles["clusters/eu-west-1.yaml"])
        history.commit(["clusters/eu-west-1.yaml": record.replacing("env: prod}}", with: "env: prod}, annotations: {fleet.gitops.dev/allow-empty: 'true'}}")])
        let result = try planner.plan()
        let europe = try #require(result.plans["eu-west-1"])
        let plan = try Plan(json: europe.json)
        #expect(plan.allowEmpty && plan.canonicalJSON == europe.json)
        #expect(try !Plan(json: try #require(result.plans["us-east-1"]).json).allowEmpty)
    }
}

/// Cluster names as Argo CD knows them (`spec.name`), apart from the DNS identity.
extension FleetPlannerTests {
    @Test func aClusterNamedFreelyInArgoCDIsTheGeneratorsNameAndADestinationName() throws {
        let (history, planner) = fleet()
        let record = try #require(Self.baseFiles["clusters/eu-west-1.yaml"])
        history.commit([
            "clusters/eu-west-1.yaml": record.replacing("spec: {server:", with: "spec: {name: Staging_EU, server:"),
            "applicationsets/tools.yaml": """
                apiVersion: argoproj.io/v1alpha1
                kind: ApplicationSet
                metadata: {name: tools, namespace: argocd}
                spec:
                  goTemplate: true
                  generators: [{clusters: {}}]
                  template:
                    metadata: {name: 'tools-{{.nameNormalized}}'}
                    spec:
                      project: default
                      source: {repoURL: '\(Self.fleetURL)', path: apps/tools}
                      destination: {name: '{{.name}}', namespace: tools}
                """,
        ])
        let result = try planner.plan()
        #expect(result.problems.isEmpty, "\(result.problems)")
        #expect(result.plans["eu-west-1"]?.applications.contains("tools-staging-eu") == true, "nameNormalized of Staging_EU, planned for eu-west-1")
        #expect(result.plans["us-east-1"]?.applications.contains("tools-us-east-1") == true)

        history.commit(["clusters/other.yaml": "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: other}\nspec: {name: eu-west-1}\n"])
        let clash = try planner.plan()
        #expect(clash.problems.contains { $0.kind == .cluster && $0.message.contains("cluster other has spec.name eu-west-1, already a cluster's name") })
    }
}

/// Hooks in the plan: a hook may have only `generateName` (a new object each sync).
extension FleetPlannerTests {
    @Test func aHookMayHaveOnlyAGenerateNameAndAPlainObjectMayNot() throws {
        let (history, planner) = fleet()
        history.commit(["apps/tools/migrate.yaml": """
            apiVersion: batch/v1
            kind: Job
            metadata: {generateName: migrate-, annotations: {argocd.argoproj.io/hook: PreSync}}
            spec: {template: {spec: {restartPolicy: Never, containers: [{name: m, image: 'migrate:1'}]}}}
            """])
        let plan = try Plan(json: try #require(try planner.plan().plans["eu-west-1"]).json)
        let hook = try #require(plan.entry(named: "tools-eu-west-1")?.resources.first { $0.kind == "Job" })
        #expect(hook.name == "migrate-" && hook.hooks == ["PreSync"])
        #expect(hook.object["metadata"]?["name"] == nil && hook.object["metadata"]?["generateName"] == "migrate-")

        history.commit(["apps/tools/migrate.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {generateName: plain-}\n"])
        let broken = try Plan(json: try #require(try planner.plan().plans["eu-west-1"]).json)
        #expect(broken.entry(named: "tools-eu-west-1")?.error?.contains("without apiVersion, kind or metadata.name") == true)
    }
}
