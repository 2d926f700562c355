import FleetGit
import FleetTestSupport
import Foundation
import Testing

/// Fetching over real network protocols from servers on 127.0.0.1.
@Suite struct GitRemoteTests {
    @Test func fetchesOverGitProtocolFromGitDaemon() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        try upstream.repo.bareClone(to: upstream.temp.file("served/fleet.git"))
        let daemon = try GitDaemonServer(root: upstream.temp.file("served"))
        defer { daemon.stop() }

        let mirror = try GitRepository.mirror(url: daemon.url("fleet.git"), at: upstream.temp.file("m.git"))
        try mirror.fetch()
        #expect(try mirror.resolveCommit("main").hex == upstream.c2)

        let missing = try GitRepository.mirror(url: daemon.url("nope.git"), at: upstream.temp.file("n.git"))
        let error = #expect(throws: GitError.self) { try missing.fetch() }
        #expect(error?.kind == .notFound)
    }

    @Test func fetchesOverSmartHTTPWithBasicCredentials() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        try upstream.repo.bareClone(to: upstream.temp.file("served/fleet.git"))
        let server = try GitHTTPServer(root: upstream.temp.file("served"), credentials: ("robot", "s3cret"))
        defer { server.stop() }

        let mirror = try GitRepository.mirror(url: server.url("fleet.git"), at: upstream.temp.file("m.git"))
        try mirror.fetch(options: GitRemoteOptions(credentials: .userPassword(username: "robot", password: "s3cret")))
        #expect(try mirror.resolveCommit("main").hex == upstream.c2)
        #expect(server.requests.contains { $0.path.hasSuffix("/git-upload-pack") && $0.method == "POST" }, "the smart protocol was used")
    }

    @Test func wrongOrMissingCredentialsAreAnAuthenticationError() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        try upstream.repo.bareClone(to: upstream.temp.file("served/fleet.git"))
        let server = try GitHTTPServer(root: upstream.temp.file("served"), credentials: ("robot", "s3cret"))
        defer { server.stop() }

        let mirror = try GitRepository.mirror(url: server.url("fleet.git"), at: upstream.temp.file("m.git"))
        let wrong = #expect(throws: GitError.self) {
            try mirror.fetch(options: GitRemoteOptions(credentials: .token("not-the-token")))
        }
        #expect(wrong?.kind == .authentication)
        #expect(wrong?.description.contains("check the credentials") == true)

        let none = #expect(throws: GitError.self) { try mirror.fetch() }
        #expect(none?.kind == .authentication)
        #expect(none?.message.contains("no credentials are configured") == true)
    }

    @Test func unreachableRemoteIsANetworkError() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let port = try freeLoopbackPort()  // nothing listens here
        let mirror = try GitRepository.mirror(url: "http://127.0.0.1:\(port)/fleet.git", at: temp.file("m.git"))
        let error = #expect(throws: GitError.self) { try mirror.fetch() }
        #expect(error?.kind == .network)
        #expect(error?.description.contains("127.0.0.1:\(port)") == true)
    }

    @Test(.enabled(if: TLSTestServer.isAvailable, "needs openssl (make test-deps installs it)"))
    func untrustedTLSCertificateIsRefused() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let server = try TLSTestServer(directory: temp.path)
        defer { server.stop() }

        let mirror = try GitRepository.mirror(url: server.url + "fleet.git", at: temp.file("m.git"))
        let error = #expect(throws: GitError.self) { try mirror.fetch() }
        #expect(error?.kind == .certificate)

        // Skipping verification gets past TLS to the (non-Git) server, which then fails differently.
        let insecure = #expect(throws: GitError.self) { try mirror.fetch(options: GitRemoteOptions(insecureSkipTLSVerify: true)) }
        #expect(insecure?.kind != .certificate)
    }

    @Test(.enabled(if: SSHServerFixture.isAvailable, "needs root and /usr/sbin/sshd (make deps installs openssh-server)"))
    func fetchesOverSSHWithAKeyAndAPinnedHostKey() throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        try upstream.repo.bareClone(to: upstream.temp.file("served/fleet.git"))
        try FileManager.default.createDirectory(atPath: upstream.temp.file("ssh"), withIntermediateDirectories: true)
        let sshd = try SSHServerFixture(directory: upstream.temp.file("ssh"))
        defer { sshd.stop() }
        let key = GitCredentials.sshKey(username: sshd.user, privateKeyPath: sshd.clientPrivateKey,
                                        publicKeyPath: sshd.clientPublicKey, passphrase: nil)

        let mirror = try GitRepository.mirror(url: sshd.url(upstream.temp.file("served/fleet.git")), at: upstream.temp.file("m.git"))
        try mirror.fetch(options: GitRemoteOptions(credentials: key, sshHostKeyFingerprints: [sshd.hostKeyFingerprint]))
        #expect(try mirror.resolveCommit("main").hex == upstream.c2)

        // The key type most users have today: ed25519 in OpenSSH's own format.
        let ed25519 = upstream.temp.file("ssh/client_ed25519")
        try ProcessRunner.check("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", ed25519])
        try FileManager.default.removeItem(atPath: upstream.temp.file("ssh/authorized_keys"))
        try FileManager.default.copyItem(atPath: ed25519 + ".pub", toPath: upstream.temp.file("ssh/authorized_keys"))
        try mirror.fetch(options: GitRemoteOptions(credentials: .sshKey(username: sshd.user, privateKeyPath: ed25519, publicKeyPath: ed25519 + ".pub", passphrase: nil)))

        let pinned = #expect(throws: GitError.self) {
            try mirror.fetch(options: GitRemoteOptions(credentials: key, sshHostKeyFingerprints: ["SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]))
        }
        #expect(pinned?.kind == .certificate)

        let otherKey = upstream.temp.file("ssh/other_rsa")
        try ProcessRunner.check("ssh-keygen", ["-q", "-t", "ecdsa", "-m", "PEM", "-N", "", "-f", otherKey])
        let refused = #expect(throws: GitError.self) {
            try mirror.fetch(options: GitRemoteOptions(credentials: .sshKey(username: sshd.user, privateKeyPath: otherKey, publicKeyPath: otherKey + ".pub", passphrase: nil)))
        }
        #expect(refused?.kind == .authentication)
    }

    @Test func mirrorsFetchAndReadFromAsyncCodeOffTheCooperativePool() async throws {
        let upstream = try UpstreamFixture()
        defer { upstream.temp.remove() }
        let cache = upstream.temp.file("cache")
        let a = GitMirror(url: upstream.repo.path, cacheDirectory: cache)
        let b = GitMirror(url: "file://" + upstream.repo.path, cacheDirectory: cache)
        #expect(a.path != b.path, "each URL gets its own mirror directory")
        async let fetchA = a.fetch()
        async let fetchB = b.fetch()
        _ = try await (fetchA, fetchB)
        let content = try await a.withRepository { repo in
            String(decoding: try repo.snapshot(at: try repo.resolveCommit("v1")).readFile("apps/web/deploy.yaml"), as: UTF8.self)
        }
        #expect(content == "image: web:v1\n")
        let head = try await b.withRepository { try $0.resolveCommit("main").hex }
        #expect(head == upstream.c2)
    }
}
