import FleetTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What the spoke's image (spoke/Containerfile, FROM scratch) relies on: a root filesystem
/// that runs the spoke with nothing else, and probes that need no shell.
@Suite struct SpokeImageTests {
    let spoke = ProcessRunner.productsDirectory + "/spoke"

    /// scripts/spoke-rootfs.sh gathers every library the binary loads: the spoke runs chrooted
    /// into the result (root only: chroot needs it).
    @Test(.enabled(if: getuid() == 0, "skipped: chroot needs root"))
    func theRootFilesystemRunsTheSpokeWithNothingElse() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let rootfs = temp.file("rootfs")
        let built = try ProcessRunner.run(BuildCommandTests.repositoryRoot + "/scripts/spoke-rootfs.sh", [spoke, rootfs])
        #expect(built.status == 0, "\(built.stderr)")
        #expect(FileManager.default.fileExists(atPath: rootfs + "/etc/ssl/certs/ca-certificates.crt"))
        #expect(!FileManager.default.fileExists(atPath: rootfs + "/bin/sh"), "no shell in the image")
        let version = try ProcessRunner.run("/usr/sbin/chroot", ["--userspec=65532:65532", rootfs, "/usr/local/bin/spoke", "--version"])
        #expect(version.status == 0 && !version.stdout.isEmpty, "\(version.stdout)\(version.stderr)")
    }

    @Test func probesTellAStalledAgentFromALiveOne() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let state = temp.file("state")
        let notYet = try ProcessRunner.run(spoke, ["probe", "ready", "--state", state])
        #expect(notYet.status == 1 && notYet.stderr.contains("not ready"))
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try Data("SQLite format 3".utf8).write(to: URL(fileURLWithPath: state + "/spoke.sqlite"))
        #expect(try ProcessRunner.run(spoke, ["probe", "ready", "--state", state]).status == 0)
        #expect(try ProcessRunner.run(spoke, ["probe", "live", "--state", state]).status == 0)
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-600)], ofItemAtPath: state + "/spoke.sqlite")
        let stalled = try ProcessRunner.run(spoke, ["probe", "live", "--state", state, "--max-age", "5m"])
        #expect(stalled.status == 1 && stalled.stderr.contains("the agent is stalled"), "\(stalled.stderr)")
        let bootstrap = try ProcessRunner.run(ProcessRunner.productsDirectory + "/fleet", ["bootstrap", "c"])
        #expect(bootstrap.stdout.contains("/usr/local/bin/spoke") && !bootstrap.stdout.contains("sh\n"), "probes run the spoke: \(bootstrap.stdout)")
    }
}
