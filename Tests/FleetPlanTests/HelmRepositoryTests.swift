import Crypto
import FleetAppSet
import FleetGit
import FleetFiles
import FleetModel
import FleetRepos
import FleetTestSupport
import Foundation
import Testing

@testable import FleetPlan

/// Applications whose chart comes from a Helm chart repository served on loopback by the test
/// (index.yaml and packaged charts), planned as the hub plans them.
@Suite struct HelmRepositoryTests {
    /// Packages a one-template chart at `version` with `tar`, as `helm package` lays it out.
    static func package(version: String, replicas: Int, in directory: TemporaryDirectory) throws -> [UInt8] {
        let top = "src-\(version)/metrics"
        try directory.write("\(top)/Chart.yaml", "apiVersion: v2\nname: metrics\nversion: \(version)\n")
        try directory.write("\(top)/values.yaml", "replicas: \(replicas)\n")
        try directory.write("\(top)/templates/cm.yaml", """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: {{ .Release.Name }}
            data:
              version: {{ .Chart.Version | quote }}
              replicas: {{ .Values.replicas | quote }}
            """)
        let archive = directory.file("metrics-\(version).tgz")
        let result = try ProcessRunner.run("/bin/tar", ["-czf", archive, "-C", directory.file("src-\(version)"), "metrics"])
        try #require(result.succeeded, "\(result.stderr)")
        return try LocalPaths.read(archive)
    }

    static func digest(_ bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }

    struct Repository {
        let server: LoopbackHTTPServer
        let requests: RequestLog
    }

    final class RequestLog: @unchecked Sendable {
        private let lock = NSLock()
        private var paths: [String] = []
        func record(_ path: String) { lock.lock(); paths.append(path); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return paths }
    }

    static func serve(_ charts: [String: [UInt8]], index: String, auth: String? = nil) throws -> Repository {
        let log = RequestLog()
        let server = try LoopbackHTTPServer { request in
            log.record(request.path)
            if let auth, request.header("Authorization") != auth { return .text("unauthorized", status: 401) }
            if request.path == "/charts/index.yaml" { return .text(index) }
            if let bytes = charts[String(request.path.dropFirst("/charts/".count))] { return TestHTTPResponse(body: bytes) }
            return .text("not found", status: 404)
        }
        return Repository(server: server, requests: log)
    }

    static func index(_ entries: [(version: String, url: String, digest: String)]) -> String {
        "apiVersion: v1\nentries:\n  metrics:\n" + entries.map { "  - name: metrics\n    version: \($0.version)\n    digest: \($0.digest)\n    urls: [\($0.url)]\n" }.joined()
    }

    func plan(repoURL: String, revision: String, cache: String) throws -> Value {
        let history = InMemoryHistory()
        history.commit([
            "clusters/c1.yaml": "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: c1}\nspec: {server: 'https://10.0.0.1:6443'}\n",
            "applications/metrics.yaml": """
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata: {name: metrics}
                spec:
                  project: default
                  source: {repoURL: '\(repoURL)', chart: metrics, targetRevision: '\(revision)', helm: {parameters: [{name: replicas, value: '7'}]}}
                  destination: {name: c1, namespace: obs}
                """,
        ])
        let planner = FleetPlanner(repositories: history, fleetRepoURL: "https://git.example.com/fleet.git")
        planner.helmRepositories = HelmRepositoryCache(cacheDirectory: cache)
        let plan = try JSON.parse(try #require(try planner.plan().plans["c1"]).json)
        return try #require(plan["applications"]?.arrayValue?.first)
    }

    @Test func aChartVersionOrConstraintResolvesDownloadsChecksAndRenders() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let old = try Self.package(version: "1.2.0", replicas: 1, in: directory)
        let new = try Self.package(version: "1.3.1", replicas: 2, in: directory)
        let next = try Self.package(version: "2.0.0-rc.1", replicas: 3, in: directory)
        let digest = Self.digest
        let repository = try Self.serve(["metrics-1.2.0.tgz": old, "metrics-1.3.1.tgz": new, "metrics-2.0.0-rc.1.tgz": next], index: Self.index([
            ("2.0.0-rc.1", "metrics-2.0.0-rc.1.tgz", digest(next)), ("1.3.1", "metrics-1.3.1.tgz", digest(new)), ("1.2.0", "metrics-1.2.0.tgz", digest(old)),
        ]))
        defer { repository.server.stop() }
        let repoURL = repository.server.url + "/charts"
        let cache = directory.file("cache")

        let exact = try plan(repoURL: repoURL, revision: "1.2.0", cache: cache)
        #expect(exact["error"] == nil, "\(exact)")
        let data = exact["resources"]?[0]?[path: "object", "data"]
        #expect(data?["version"] == "1.2.0" && data?["replicas"] == "7", "the version asked for, with the Application's parameters")
        #expect(exact["resources"]?[0]?["name"] == "metrics", "the release is named after the Application")

        let constrained = try plan(repoURL: repoURL, revision: "1.*", cache: cache)
        #expect(constrained["resources"]?[0]?[path: "object", "data", "version"] == "1.3.1", "the highest version the constraint admits, no prerelease")
        let latest = try plan(repoURL: repoURL, revision: "", cache: cache)
        #expect(latest["resources"]?[0]?[path: "object", "data", "version"] == "1.3.1", "latest stable")

        // Archives are kept by digest: planning again downloads no chart.
        let before = repository.requests.all.filter { $0.hasSuffix(".tgz") }.count
        _ = try plan(repoURL: repoURL, revision: "1.2.0", cache: cache)
        #expect(repository.requests.all.filter { $0.hasSuffix(".tgz") }.count == before)

        let missing = try plan(repoURL: repoURL, revision: "9.9.9", cache: cache)
        #expect(missing["error"]?.stringValue?.contains("no version matches 9.9.9") == true, "\(missing)")
    }

    @Test func aTamperedArchiveOrAnUnreachableRepositoryIsTheApplicationsError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chart = try Self.package(version: "1.0.0", replicas: 1, in: directory)
        let repository = try Self.serve(["metrics-1.0.0.tgz": chart], index: Self.index([("1.0.0", "metrics-1.0.0.tgz", String(repeating: "0", count: 64))]))
        defer { repository.server.stop() }
        let tampered = try plan(repoURL: repository.server.url + "/charts", revision: "1.0.0", cache: directory.file("cache"))
        #expect(tampered["error"]?.stringValue?.contains("does not match the index's") == true, "\(tampered)")
        #expect(tampered["resources"] == [])
        let unreachable = try plan(repoURL: "http://127.0.0.1:9/charts", revision: "1.0.0", cache: directory.file("cache2"))
        #expect(unreachable["error"]?.stringValue?.contains("127.0.0.1:9/charts/index.yaml") == true, "\(unreachable)")
    }

    @Test func credentialsForTheRepositoryAreSentAsBasicAuth() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let chart = try Self.package(version: "1.0.0", replicas: 1, in: directory)
        let expected = "Basic " + Base64.encode("reader:s3cret")
        let repository = try Self.serve(["metrics-1.0.0.tgz": chart], index: Self.index([("1.0.0", "metrics-1.0.0.tgz", Self.digest(chart))]), auth: expected)
        defer { repository.server.stop() }
        let cache = HelmRepositoryCache(cacheDirectory: directory.file("cache"), options: { _ in
            GitRemoteOptions(credentials: .userPassword(username: "reader", password: "s3cret"))
        })
        let resolved = try cache.chart(repoURL: repository.server.url + "/charts", name: "metrics", version: "1.0.0")
        #expect(resolved.version == "1.0.0" && resolved.archive == chart)
        #expect(throws: (any Error).self) {
            try HelmRepositoryCache(cacheDirectory: directory.file("other")).chart(repoURL: repository.server.url + "/charts", name: "metrics", version: "1.0.0")
        }
    }
}
