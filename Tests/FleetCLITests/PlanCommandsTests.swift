import FleetTestSupport
import Foundation
import Testing

/// `fleet appset generate`, `fleet render` and `fleet diff` as a user runs them, on a real Git
/// repository built in a temporary directory.
@Suite struct PlanCommandsTests {
    let fleet = ProcessRunner.productsDirectory + "/fleet"

    static let appSet = """
        apiVersion: argoproj.io/v1alpha1
        kind: ApplicationSet
        metadata:
          name: addons
          namespace: argocd
        spec:
          generators:
          - matrix:
              generators:
              - git:
                  repoURL: https://git.example.com/fleet.git
                  revision: HEAD
                  directories:
                  - path: addons/*
              - clusters:
                  selector:
                    matchLabels: {env: prod}
          template:
            metadata:
              name: '{{path.basename}}-{{name}}'
            spec:
              project: default
              source:
                repoURL: https://git.example.com/fleet.git
                targetRevision: HEAD
                path: '{{path}}'
              destination:
                name: '{{name}}'
                namespace: '{{path.basename}}'

        """

    static let clusters = """
        apiVersion: fleet/v1alpha1
        kind: Cluster
        metadata: {name: us-east-1, labels: {env: prod}}
        spec: {server: 'https://10.0.0.1:6443'}
        ---
        apiVersion: fleet/v1alpha1
        kind: Cluster
        metadata: {name: lab, labels: {env: dev}}
        spec: {server: 'https://10.9.9.9:6443'}

        """

    func makeFleet(_ temp: TemporaryDirectory) throws -> GitFixtureRepository {
        let repo = try GitFixtureRepository(at: temp.file("fleet"))
        try repo.write("clusters/all.yaml", Self.clusters)
        try repo.write("applicationsets/addons.yaml", Self.appSet)
        try repo.write("addons/metrics/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: metrics}\ndata: {retention: 7d}\n")
        try repo.write("addons/logging/kustomization.yaml", "resources: [cm.yaml]\n")
        try repo.write("addons/logging/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: logging}\ndata: {level: info}\n")
        try repo.commit("fleet")
        try repo.git("tag", "v1")
        return repo
    }

    @Test func appsetGenerateprintsApplicationsSortedByNameAsArgoCDCreatesThem() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        let result = try ProcessRunner.run(fleet, ["appset", "generate", repo.path + "/applicationsets/addons.yaml", "--clusters", repo.path + "/clusters/all.yaml", "--repo", repo.path])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == """
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              finalizers:
              - resources-finalizer.argocd.argoproj.io
              name: logging-us-east-1
              namespace: argocd
            spec:
              destination:
                name: us-east-1
                namespace: logging
              project: default
              source:
                path: addons/logging
                repoURL: https://git.example.com/fleet.git
                targetRevision: HEAD
            ---
            apiVersion: argoproj.io/v1alpha1
            kind: Application
            metadata:
              finalizers:
              - resources-finalizer.argocd.argoproj.io
              name: metrics-us-east-1
              namespace: argocd
            spec:
              destination:
                name: us-east-1
                namespace: metrics
              project: default
              source:
                path: addons/metrics
                repoURL: https://git.example.com/fleet.git
                targetRevision: HEAD

            """)
    }

    @Test func appsetGenerateFailsWithTheFileAndTheReason() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        try temp.write("bad.yaml", Self.appSet.replacingOccurrences(of: "revision: HEAD", with: "revision: no-such-branch"))
        let result = try ProcessRunner.run(fleet, ["appset", "generate", temp.file("bad.yaml"), "--clusters", repo.path + "/clusters/all.yaml", "--repo", repo.path])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.contains("bad.yaml:1: ApplicationSet addons"), "\(result.stderr)")
        #expect(result.stderr.contains("'no-such-branch' is not a branch, tag or commit"), "\(result.stderr)")
    }

    @Test func renderPrintsTheSameCanonicalPlanEveryTime() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        let first = try ProcessRunner.run(fleet, ["render", "--repo", repo.path, "--revision", "v1", "--cluster", "us-east-1"])
        #expect(first.status == 0, "\(first.stderr)")
        let second = try ProcessRunner.run(fleet, ["render", "--repo", repo.path, "--revision", "v1", "--cluster", "us-east-1"])
        #expect(first.stdout == second.stdout)
        let plan = try #require(try JSONSerialization.jsonObject(with: Data(first.stdout.utf8)) as? [String: Any])
        #expect(plan["cluster"] as? String == "us-east-1")
        #expect((plan["id"] as? String)?.hasPrefix("sha256:") == true)
        let apps = try #require(plan["applications"] as? [[String: Any]])
        #expect(apps.map { $0["name"] as? String } == ["logging-us-east-1", "metrics-us-east-1"])
        let all = try ProcessRunner.run(fleet, ["render", "--repo", repo.path])
        #expect(all.stdout.split(separator: "\n").count == 2, "one plan per cluster, one per line")
        let unknown = try ProcessRunner.run(fleet, ["render", "--repo", repo.path, "--cluster", "mars"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no cluster named mars"))
    }

    /// Argo CD's git generators read the repository at a revision: a directory that is not
    /// committed (or is ignored) never generates an Application, while a source may be
    /// previewed from the files on disk before it is committed.
    @Test func gitGeneratorsReadOnlyCommitsWhileSourcesPreviewTheFilesOnDisk() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        try repo.write("addons/tracing/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tracing}\n")
        try repo.write("addons/metrics/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: metrics}\ndata: {retention: 30d}\n")
        let generated = try ProcessRunner.run(fleet, ["appset", "generate", repo.path + "/applicationsets/addons.yaml", "--repo", repo.path])
        #expect(generated.status == 0, "\(generated.stderr)")
        #expect(!generated.stdout.contains("tracing"), "an uncommitted directory generates nothing")
        let rendered = try ProcessRunner.run(fleet, ["render", "--repo", repo.path, "--cluster", "us-east-1"])
        #expect(rendered.status == 0, "\(rendered.stderr)")
        #expect(!rendered.stdout.contains("tracing-us-east-1"))
        #expect(rendered.stdout.contains("30d"), "the uncommitted edit of a committed source is previewed")
        try repo.commit("tracing")
        let after = try ProcessRunner.run(fleet, ["render", "--repo", repo.path, "--cluster", "us-east-1"])
        #expect(after.stdout.contains("tracing-us-east-1"))
    }

    @Test func renderReportsABrokenOverlayWithFileAndLineAndExitsOne() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        try repo.write("addons/logging/kustomization.yaml", "resources: [cm.yaml]\npatches:\n- path: missing.yaml\n")
        let result = try ProcessRunner.run(fleet, ["render", "--repo", repo.path, "--cluster", "us-east-1"])
        #expect(result.status == 1)
        #expect(result.stderr.contains("addons/logging/kustomization.yaml"), "\(result.stderr)")
        #expect(result.stdout.contains("\"error\":"), "the plan is still printed, the Application marked")
    }

    @Test func diffShowsWhatAChangeDoesPerClusterWithKubectlDiffExitCodes() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        try repo.write("addons/metrics/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: metrics}\ndata: {retention: 30d}\n")
        try repo.write("addons/tracing/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: tracing}\n")
        try repo.commit("longer retention, tracing")
        let result = try ProcessRunner.run(fleet, ["diff", "--repo", repo.path, "--from", "v1", "--to", "HEAD"])
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("cluster us-east-1"))
        #expect(result.stdout.contains("~ ConfigMap metrics/metrics"))
        #expect(result.stdout.contains("/data/retention: \"7d\" -> \"30d\""), "\(result.stdout)")
        #expect(result.stdout.contains("+ Application tracing-us-east-1 (added)"))
        let none = try ProcessRunner.run(fleet, ["diff", "--repo", repo.path, "--from", "HEAD", "--to", "HEAD"])
        #expect(none.status == 0)
        #expect(none.stdout.contains("No changes"))
        let bad = try ProcessRunner.run(fleet, ["diff", "--repo", repo.path, "--from", "nope"])
        #expect(bad.status == 2)
    }

    @Test func validateChecksEveryOverlayAndRecordForCI() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        let good = try ProcessRunner.run(fleet, ["validate", "--repo", repo.path])
        #expect(good.status == 0, "\(good.stderr)")
        #expect(good.stdout.contains("2 cluster(s)") && good.stdout.contains("0 error(s)"))
        try repo.write("unused/overlay/kustomization.yaml", "resources: [missing.yaml]\n")
        let bad = try ProcessRunner.run(fleet, ["validate", "--repo", repo.path])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("unused/overlay"), "\(bad.stderr)")
        #expect(bad.stdout.contains(": 1 error(s)"), "\(bad.stdout)")
        // A broken overlay an Application renders is one mistake: one error, not two.
        try repo.remove("unused/overlay/kustomization.yaml")
        try repo.write("addons/logging/kustomization.yaml", "resources: [cm.yaml, missing.yaml]\n")
        let used = try ProcessRunner.run(fleet, ["validate", "--repo", repo.path])
        #expect(used.status == 1 && used.stdout.contains(": 1 error(s)"), "\(used.stdout)\n\(used.stderr)")
    }

    @Test func rendersTheExampleFleetInThisRepository() throws {
        let root = BuildCommandTests.repositoryRoot + "/fleet"
        let result = try ProcessRunner.run(fleet, ["render", "--repo", root, "--cluster", "us-west-2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("\"name\":\"inference-server-us-west-2\""))
    }
}
