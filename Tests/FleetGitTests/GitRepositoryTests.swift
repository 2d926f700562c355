import FleetGit
import FleetModel
import FleetTestSupport
import Foundation
import Testing

/// A small upstream history used by most tests:
/// c1: apps/web/deploy.yaml v1, README
/// c2: deploy.yaml v2, new apps/api/svc.yaml, README deleted, a symlink
/// tags: v1 (annotated, on c1), light (lightweight, on c2); branch `feature` at c1.
struct UpstreamFixture {
    let temp: TemporaryDirectory
    let repo: GitFixtureRepository
    let c1: String
    let c2: String

    init() throws {
        temp = try TemporaryDirectory(prefix: "git-upstream")
        repo = try GitFixtureRepository(at: temp.file("upstream"))
        try repo.write("apps/web/deploy.yaml", "image: web:v1\n")
        try repo.write("README.md", "hello\n")
        c1 = try repo.commit("first: web v1")
        try repo.git("tag", "-a", "v1", "-m", "release v1")
        try repo.git("branch", "feature")
        try repo.write("apps/web/deploy.yaml", "image: web:v2\n")
        try repo.write("apps/api/svc.yaml", "kind: Service\n")
        try repo.remove("README.md")
        try FileManager.default.createSymbolicLink(atPath: repo.path + "/apps/link.yaml", withDestinationPath: "web/deploy.yaml")
        c2 = try repo.commit("second: web v2\n\nwith a body")
        try repo.git("tag", "light")
    }
}

@Suite struct GitRepositoryTests {
    @Test func mirrorOfALocalRemoteResolvesBranchesTagsAndShas() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let mirror = try GitRepository.mirror(url: upstream.repo.path, at: upstream.temp.file("cache/mirror.git"))
        let updates = try mirror.fetch()
        #expect(updates.contains { $0.name == "refs/heads/main" && $0.new?.hex == upstream.c2 && $0.old == nil })

        #expect(try mirror.resolveCommit("main").hex == upstream.c2)
        #expect(try mirror.resolveCommit("HEAD").hex == upstream.c2)
        #expect(try mirror.resolveCommit("").hex == upstream.c2)
        #expect(try mirror.resolveCommit("feature").hex == upstream.c1)
        #expect(try mirror.resolveCommit("v1").hex == upstream.c1, "annotated tags peel to their commit")
        #expect(try mirror.resolveCommit("light").hex == upstream.c2)
        #expect(try mirror.resolveCommit("refs/tags/v1").hex == upstream.c1)
        #expect(try mirror.resolveCommit(upstream.c1).hex == upstream.c1)
        #expect(try mirror.resolveCommit(String(upstream.c1.prefix(8))).hex == upstream.c1)
        #expect(try mirror.resolveCommit("main~1").hex == upstream.c1)
    }

    @Test func unknownRevisionSaysWhatExists() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let repo = try GitRepository.open(at: upstream.repo.path)
        let error = #expect(throws: GitError.self) { try repo.resolveCommit("does-not-exist") }
        #expect(error?.kind == .revisionNotFound)
        #expect(error?.description.contains("branches: feature, main") == true)
        #expect(error?.description.contains("tags: light, v1") == true)
        let missingCommit = #expect(throws: GitError.self) { try repo.resolveCommit(String(repeating: "ab", count: 20)) }
        #expect(missingCommit?.kind == .revisionNotFound)
    }

    @Test func openingSomethingThatIsNotARepositoryExplainsIt() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let error = #expect(throws: GitError.self) { try GitRepository.open(at: temp.path) }
        #expect(error?.description.contains("not a Git repository") == true)
    }

    @Test func snapshotReadsFilesOfAnOlderCommitWithoutAWorkTree() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let mirror = try GitRepository.mirror(url: upstream.repo.path, at: upstream.temp.file("m.git"))
        try mirror.fetch()
        let old = try mirror.snapshot(at: try mirror.resolveCommit("v1"))
        let new = try mirror.snapshot(at: try mirror.resolveCommit("main"))

        #expect(String(decoding: try old.readFile("apps/web/deploy.yaml"), as: UTF8.self) == "image: web:v1\n")
        #expect(String(decoding: try new.readFile("apps/web/deploy.yaml"), as: UTF8.self) == "image: web:v2\n")
        #expect(try old.listDirectory("") == ["README.md", "apps"])
        #expect(try new.listDirectory("apps") == ["api", "link.yaml", "web"])
        #expect(try new.kind(of: "apps") == .directory)
        #expect(try new.kind(of: "apps/api/svc.yaml") == .file)
        #expect(try new.kind(of: "apps/link.yaml") == .symlink(target: "web/deploy.yaml"))
        #expect(try new.kind(of: "README.md") == nil)
        #expect(try new.kind(of: "") == .directory)

        let missing = #expect(throws: FileTreeError.self) { try new.readFile("README.md") }
        #expect(missing?.kind == .notFound)
        let directory = #expect(throws: FileTreeError.self) { try new.readFile("apps") }
        #expect(directory?.kind == .notAFile)
        let notDirectory = #expect(throws: FileTreeError.self) { try new.listDirectory("apps/api/svc.yaml") }
        #expect(notDirectory?.kind == .notADirectory)
    }

    @Test func oversizedFilesAreRefusedWithTheirSize() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let repo = try GitRepository.open(at: upstream.repo.path)
        let snapshot = try repo.snapshot(at: try repo.resolveCommit("main"), maxFileBytes: 4)
        let error = #expect(throws: FileTreeError.self) { try snapshot.readFile("apps/web/deploy.yaml") }
        #expect(error?.kind == .tooLarge)
        #expect(error?.description.contains("14 bytes, limit 4") == true)
    }

    @Test func commitInfoCarriesAuthorMessageAndParents() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let repo = try GitRepository.open(at: upstream.repo.path)
        let info = try repo.commitInfo(try repo.resolveCommit("main"))
        #expect(info.id.hex == upstream.c2)
        #expect(info.authorName == "Fleet Test")
        #expect(info.authorEmail == "test@fleet.invalid")
        #expect(info.summary == "second: web v2")
        #expect(info.message.contains("with a body"))
        #expect(info.parents.map(\.hex) == [upstream.c1])
        #expect(info.authorTime > 1_600_000_000)
    }

    @Test func changedPathsListsAddedModifiedAndDeletedFiles() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let repo = try GitRepository.open(at: upstream.repo.path)
        let from = try repo.resolveCommit("v1")
        let to = try repo.resolveCommit("main")
        #expect(try repo.changedPaths(from: from, to: to) == ["README.md", "apps/api/svc.yaml", "apps/link.yaml", "apps/web/deploy.yaml"])
        #expect(try repo.changedPaths(from: nil, to: from) == ["README.md", "apps/web/deploy.yaml"])
        #expect(try repo.changedPaths(from: to, to: to).isEmpty)
    }

    @Test func fetchReportsMovedAndPrunedRefs() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let mirror = try GitRepository.mirror(url: "file://" + upstream.repo.path, at: upstream.temp.file("m.git"))
        try mirror.fetch()
        try upstream.repo.write("apps/web/deploy.yaml", "image: web:v3\n")
        let c3 = try upstream.repo.commit("third")
        try upstream.repo.git("branch", "-D", "feature")

        let updates = try mirror.fetch()
        let main = updates.first { $0.name == "refs/heads/main" }
        #expect(main?.old?.hex == upstream.c2)
        #expect(main?.new?.hex == c3)
        #expect(try mirror.resolveCommit("main").hex == c3)
        #expect(!(try mirror.referenceNames()).contains("refs/heads/feature"), "deleted upstream branches are pruned")
        #expect(try mirror.fetch().isEmpty, "a fetch with nothing new moves nothing")
    }

    @Test func reopeningAMirrorWithANewURLRepointsOrigin() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let path = upstream.temp.file("m.git")
        _ = try GitRepository.mirror(url: "/nonexistent/old", at: path)
        let reopened = try GitRepository.mirror(url: upstream.repo.path, at: path)
        #expect(reopened.originURL == upstream.repo.path)
        try reopened.fetch()
        #expect(try reopened.resolveCommit("main").hex == upstream.c2)
    }
}
