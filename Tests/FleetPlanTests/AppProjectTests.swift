import FleetModel
import FleetProtocol
import FleetYAML
import Testing

@testable import FleetPlan

/// AppProject rules as Argo CD's `AppProject` type applies them.
@Suite struct AppProjectTests {
    func project(_ yaml: String) throws -> AppProject {
        try AppProject(try YAML.parse("apiVersion: argoproj.io/v1alpha1\nkind: AppProject\nmetadata: {name: team}\nspec:\n" + yaml), source: "p.yaml")
    }

    @Test func sourceReposMatchNormalizedURLsAndADenyPatternWins() throws {
        let team = try project("  sourceRepos: ['https://github.com/example/*']\n")
        #expect(team.permitsSource("https://github.com/example/fleet.git"), "normalized: .git dropped")
        #expect(team.permitsSource("https://GitHub.com/Example/Fleet"))
        #expect(!team.permitsSource("https://github.com/example/team/nested"), "* does not cross /")
        #expect(!team.permitsSource("https://gitlab.com/example/fleet"))
        // As Argo CD's IsSourcePermitted: a `!` pattern matches every repository it does not
        // name (so it also permits them), and fails the one it names.
        let denying = try project("  sourceRepos: ['https://github.com/example/*', '!https://github.com/example/secrets']\n")
        #expect(!denying.permitsSource("https://github.com/example/secrets.git"))
        #expect(denying.permitsSource("https://github.com/example/fleet"))
        #expect(denying.permitsSource("https://gitlab.com/example/fleet"), "Argo CD's reading of a deny pattern")
    }

    @Test func destinationsMatchServerOrNameAndNamespaceWithDenials() throws {
        let team = try project("""
              destinations:
              - {server: '*', namespace: 'ml-*'}
              - {name: 'Staging_*', namespace: '*'}
            """)
        #expect(team.permitsDestination(server: "https://a:6443", names: ["a"], namespace: "ml-serving"))
        #expect(team.permitsDestination(server: "", names: ["eu", "Staging_EU"], namespace: "tools"), "by the Argo CD name")
        #expect(!team.permitsDestination(server: "https://a:6443", names: ["a"], namespace: "kube-system"))
        let denying = try project("""
              destinations:
              - {server: '*', namespace: 'ml-*'}
              - {server: '*', namespace: '!ml-system'}
            """)
        #expect(!denying.permitsDestination(server: "https://a:6443", names: ["a"], namespace: "ml-system"), "a deny pattern that does not match fails it")
        #expect(denying.permitsDestination(server: "https://a:6443", names: ["a"], namespace: "ml-serving"))
    }

    @Test func clusterScopedKindsNeedTheWhitelistAndNamespacedOnesTheAbsenceOfABlacklist() throws {
        let team = try project("""
              namespaceResourceBlacklist: [{group: '', kind: ResourceQuota}]
              clusterResourceWhitelist: [{group: '', kind: Namespace, name: 'team-*'}]
            """)
        #expect(team.permitsKind(group: "apps", kind: "Deployment", name: "web", namespaced: true), "no namespaced whitelist: all")
        #expect(!team.permitsKind(group: "", kind: "ResourceQuota", name: "q", namespaced: true))
        #expect(team.permitsKind(group: "", kind: "Namespace", name: "team-a", namespaced: false))
        #expect(!team.permitsKind(group: "", kind: "Namespace", name: "kube-system", namespaced: false), "the name glob")
        #expect(!team.permitsKind(group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "x", namespaced: false))
        let locked = try project("  namespaceResourceWhitelist: []\n")
        #expect(!locked.permitsKind(group: "", kind: "ConfigMap", name: "c", namespaced: true), "an empty whitelist allows nothing")
        #expect(!locked.permitsKind(group: "", kind: "Namespace", name: "n", namespaced: false), "no cluster whitelist: no cluster-scoped kinds")
        #expect(AppProject.implicitDefault.permitsKind(group: "", kind: "Namespace", name: "n", namespaced: false))
    }

    /// `orphanedResources`: present means watched; `IsWarn` is true unless `warn: false`.
    @Test func orphanedResourcesAreReadWithArgoCDsDefaults() throws {
        #expect(try project("  orphanedResources: {}\n").rules.orphanedResources == OrphanedResourcesPolicy(warn: true))
        let quiet = try project("  orphanedResources:\n    warn: false\n    ignore: [{kind: Secret, name: '*.example.com'}]\n")
        #expect(quiet.rules.orphanedResources == OrphanedResourcesPolicy(warn: false, ignore: [ProjectRules.ResourceRule(group: "", kind: "Secret", name: "*.example.com")]))
        #expect(try project("  sourceRepos: ['*']\n").rules.orphanedResources == nil)
        #expect(throws: PlanningError.self) { try project("  orphanedResources: {warn: 'yes'}\n") }
    }

    @Test func applicationsOutsideTheControlNamespaceNeedSourceNamespaces() throws {
        let team = try project("  sourceNamespaces: ['team-*']\n")
        #expect(team.permitsApplicationNamespace("") && team.permitsApplicationNamespace("argocd"))
        #expect(team.permitsApplicationNamespace("team-a") && !team.permitsApplicationNamespace("other"))
    }
}

/// The planner keeps Applications inside their projects.
extension FleetPlannerTests {
    @Test func anApplicationOutsideItsProjectIsNotPlannedAndSaysWhichRule() throws {
        let (history, planner) = fleet()
        let web = try #require(Self.baseFiles["applicationsets/web.yaml"])
        let tools = try #require(Self.baseFiles["applicationsets/tools.yaml"])
        history.commit([
            "applicationsets/web.yaml": web.replacing("project: default", with: "project: web-team"),
            "applicationsets/tools.yaml": tools.replacing("project: default", with: "project: ghosts"),
            "projects/web.yaml": """
                apiVersion: argoproj.io/v1alpha1
                kind: AppProject
                metadata: {name: web-team}
                spec:
                  sourceRepos: ['\(Self.fleetURL)']
                  destinations: [{server: '*', namespace: web}]
                """,
        ])
        let result = try planner.plan()
        let plan = try Plan(json: try #require(result.plans["eu-west-1"]).json)
        let webEntry = try #require(plan.entry(named: "web-eu-west-1"))
        #expect(webEntry.error?.contains("project web-team: resource Namespace web-extra is not permitted (spec.clusterResourceWhitelist/Blacklist)") == true,
                "\(webEntry.error ?? "none")")
        #expect(plan.entry(named: "tools-eu-west-1")?.error?.contains("project ghosts does not exist") == true)
        #expect(try Plan(json: try #require(try FleetPlannerTests().fleet().1.plan().plans["eu-west-1"]).json).applications.allSatisfy { $0.projectRules == nil },
                "the implicit default project allows everything: no rules to carry")

        // Allowing the Namespace plans it (the compiled entry is not reused across project changes).
        history.commit(["projects/web.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: AppProject
            metadata: {name: web-team}
            spec:
              sourceRepos: ['\(Self.fleetURL)']
              destinations: [{server: '*', namespace: 'web*'}]
              clusterResourceWhitelist: [{group: '', kind: Namespace}]
            """])
        let fixedPlans = try planner.plan().plans
        let fixedBytes = try #require(fixedPlans["eu-west-1"]).json
        let fixed = try Plan(json: fixedBytes)
        #expect(fixed.entry(named: "web-eu-west-1")?.error == nil, "\(fixed.entry(named: "web-eu-west-1")?.error ?? "")")
        let rules = try #require(fixed.entry(named: "web-eu-west-1")?.projectRules, "the rules travel in the plan")
        #expect(rules.project == "web-team" && rules.clusterNames == ["eu-west-1"])
        #expect(rules.clusterResourceWhitelist == [ProjectRules.ResourceRule(group: "", kind: "Namespace")])
        #expect(fixed.canonicalJSON == fixedBytes, "the planner writes what the protocol would")

        history.commit(["projects/web.yaml": """
            apiVersion: argoproj.io/v1alpha1
            kind: AppProject
            metadata: {name: web-team}
            spec:
              sourceRepos: ['https://github.com/other/*']
              destinations: [{server: '*', namespace: 'web*'}]
              clusterResourceWhitelist: [{group: '', kind: Namespace}]
            """])
        let refused = try Plan(json: try #require(try planner.plan().plans["eu-west-1"]).json)
        #expect(refused.entry(named: "web-eu-west-1")?.error?.contains("application repo \(Self.fleetURL) is not permitted (spec.sourceRepos)") == true)
        #expect(refused.entry(named: "web-eu-west-1")?.resources.isEmpty == false, "the last good resources are kept, frozen")
    }
}
