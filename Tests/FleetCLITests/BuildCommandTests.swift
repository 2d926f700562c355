import FleetTestSupport
import Foundation
import Testing

/// `fleet build` as a user runs it: the real binary, its stdout, stderr and exit code.
@Suite struct BuildCommandTests {
    let fleet = ProcessRunner.productsDirectory + "/fleet"
    static let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test func rendersTheExampleOverlayExactlyAsKubectlDoes() throws {
        let overlay = Self.repositoryRoot + "/fleet/apps/inference-server/overlays/eu-west-1"
        let result = try ProcessRunner.run(fleet, ["build", overlay])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("registry.eu.example.com/ml/inference-server:v2.1.0"))
        if Kubectl.isAvailable {
            #expect(result.stdout == (try Kubectl.kustomize(overlay)).stdout)
        }
    }

    @Test func aRenderErrorExitsOneAndNamesTheFileAndLine() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("app/kustomization.yaml", "resources:\n- cm.yaml\npatches:\n- target: {kind: ConfigMap}\n  patch: |-\n    - {op: remove, path: /data/missing}\n")
        try temp.write("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: b}\n")
        let result = try ProcessRunner.run(fleet, ["build", temp.file("app")])
        #expect(result.status == 1)
        #expect(result.stdout.isEmpty, "nothing half-rendered on stdout")
        #expect(result.stderr.contains("app/kustomization.yaml:4: JSON patch on ConfigMap.v1.[noGrp]/x.[noNs]"), "\(result.stderr)")
    }

    @Test func usageErrorsExitTwo() throws {
        let missing = try ProcessRunner.run(fleet, ["build"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("Missing expected argument '<directory>'"))
        let unknown = try ProcessRunner.run(fleet, ["build", ".", "--frobnicate"])
        #expect(unknown.status == 2)
        let noSuchDirectory = try ProcessRunner.run(fleet, ["build", "/nonexistent/overlay"])
        #expect(noSuchDirectory.status == 1)
        #expect(noSuchDirectory.stderr.contains("no such directory"))
    }

    @Test func deprecationWarningsGoToStderrOnly() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        try temp.write("kustomization.yaml", "commonLabels: {a: b}\nresources: [cm.yaml]\n")
        try temp.write("cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
        let result = try ProcessRunner.run(fleet, ["build", temp.path])
        #expect(result.status == 0)
        #expect(result.stderr.contains("'commonLabels' is deprecated"))
        #expect(!result.stdout.contains("Warning"))
    }

    @Test func rendersAnOlderRevisionWithoutCheckingItOut() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let repo = try GitFixtureRepository(at: temp.file("repo"))
        try repo.write("app/kustomization.yaml", "namePrefix: old-\nresources: [cm.yaml]\n")
        try repo.write("app/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n")
        try repo.commit("old")
        try repo.git("tag", "v1")
        try repo.write("app/kustomization.yaml", "namePrefix: new-\nresources: [cm.yaml]\n")
        try repo.commit("new")

        let atTag = try ProcessRunner.run(fleet, ["build", "--revision", "v1", repo.path + "/app"])
        #expect(atTag.status == 0, "\(atTag.stderr)")
        #expect(atTag.stdout.contains("name: old-x"))
        let current = try ProcessRunner.run(fleet, ["build", repo.path + "/app"])
        #expect(current.stdout.contains("name: new-x"))
        let badRevision = try ProcessRunner.run(fleet, ["build", "--revision", "nope", repo.path + "/app"])
        #expect(badRevision.status == 1)
        #expect(badRevision.stderr.contains("'nope' is not a branch, tag or commit"))
    }

    @Test func helpExplainsExitCodes() throws {
        let help = try ProcessRunner.run(fleet, ["build", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("Exit codes: 0 rendered, 1 render error"))
        let top = try ProcessRunner.run(fleet, ["--help"])
        #expect(top.stdout.contains("build"))
    }
}
