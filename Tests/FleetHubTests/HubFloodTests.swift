import FleetModel
import FleetTestSupport
import Foundation
import Testing

/// The real `hub` binary under connection floods on 127.0.0.1 (issue 13, finding 3). The
/// connections come from helper processes, so the flood is larger than this test process's own
/// descriptor limit allows.
@Suite(.serialized) struct HubFloodTests {
    let hubBinary = ProcessRunner.productsDirectory + "/hub"
    let helper = ProcessRunner.productsDirectory + "/fleet-load-helper"

    func startHub(_ temp: TemporaryDirectory, extra: String = "") throws -> (BackgroundProcess, Int) {
        let repo = try GitFixtureRepository(at: temp.file("fleet"))
        try repo.write("clusters/a.yaml", "apiVersion: fleet/v1alpha1\nkind: Cluster\nmetadata: {name: a}\n")
        try repo.commit("fleet")
        let port = try freeLoopbackPort()
        let config = try temp.write("hub.yaml", """
            listen: 127.0.0.1:\(port)
            stateDir: state
            repository: {url: '\(repo.path)', pollInterval: 1h}
            tokens: {adminTokenFile: state/admin-token}
            webhook: {secretEnv: HOOK}
            \(extra)
            """)
        let hub = try BackgroundProcess(hubBinary, ["--config", config], environment: ["HOOK": "s3cret", "PATH": "/usr/bin:/bin"], logPath: temp.file("hub.log"))
        #expect(waitForLoopbackPort(port, timeout: 30), "hub listens")
        return (hub, port)
    }

    func healthz(_ port: Int) -> Int {
        let result = try? ProcessRunner.run("curl", ["-s", "-o", "/dev/null", "-m", "5", "-w", "%{http_code}", "http://127.0.0.1:\(port)/healthz"])
        return Int(result?.stdout.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    /// Waits for a helper's "holding N" line; N.
    func held(_ log: String, timeout: Double = 120) -> Int? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8), let line = text.split(separator: "\n").first(where: { $0.hasPrefix("holding ") }) {
                return Int(line.dropFirst(8))
            }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return nil
    }

    @Test func twentyThousandIdleAndHalfSentConnectionsDoNotSilenceTheHub() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-flood")
        defer { temp.remove() }
        let (hub, port) = try startHub(temp)
        defer { hub.stop() }
        #expect(healthz(port) == 200)
        // 10,000 connections that send half a request head, 10,000 that send nothing.
        let partial = try BackgroundProcess(helper, ["hold", "\(port)", "10000", "60", "partial"], logPath: temp.file("partial.log"))
        defer { partial.stop() }
        let idle = try BackgroundProcess(helper, ["hold", "\(port)", "10000", "60"], logPath: temp.file("idle.log"))
        defer { idle.stop() }
        let opened = (held(temp.file("partial.log")) ?? 0) + (held(temp.file("idle.log")) ?? 0)
        #expect(opened >= 19_000, "the helpers opened \(opened) connections")
        // The hub keeps answering while the flood is held, and is still alive.
        for _ in 0..<5 { #expect(healthz(port) == 200) }
        #expect(hub.isRunning, "the hub survived the flood")
        let log = (try? String(contentsOfFile: temp.file("hub.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("connection limit reached"), "the cap is logged")
    }

    @Test func halfSentRequestsAndStalledBodiesAreClosedAtTheirTimeouts() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-flood")
        defer { temp.remove() }
        let (hub, port) = try startHub(temp, extra: "limits: {headerTimeout: 1s, bodyTimeout: 1s, idleTimeout: 2s}")
        defer { hub.stop() }
        func closedByPeer(_ send: String, within seconds: Double) -> Bool {
            let (fd, result) = LoopbackSocket.connect(to: port)
            guard result == 0 else { return false }
            defer { close(fd) }
            _ = Array(send.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            var timeout = timeval(tv_sec: Int(seconds), tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(fd, &buffer, buffer.count, 0)
                if n == 0 { return true }          // closed by the hub
                if n < 0 { return errno == ECONNRESET }  // timed out waiting: still open
            }
        }
        #expect(closedByPeer("GET /healthz HTTP/1.1\r\nHost: x\r\n", within: 5), "a half-sent head is closed at headerTimeout")
        #expect(closedByPeer("POST /api/v1/webhooks/git HTTP/1.1\r\nHost: x\r\nX-Gitlab-Token: s3cret\r\nContent-Length: 100000\r\n\r\n{", within: 5),
                "a stalled body is closed at bodyTimeout")
        #expect(closedByPeer("", within: 6), "an idle connection is closed at idleTimeout")
        #expect(healthz(port) == 200)
    }

    @Test func unsignedAndUnfinishedWebhookBodiesHoldBoundedMemory() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-flood")
        defer { temp.remove() }
        let (hub, port) = try startHub(temp, extra: "limits: {webhookBufferBytes: 1048576, bodyTimeout: 30s}")
        defer { hub.stop() }
        // An unsigned webhook is refused from its headers, before its body is read.
        let unsigned = try ProcessRunner.run("curl", ["-s", "-m", "10", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST",
                                                      "-H", "Content-Length: 4000000", "--data-binary", "@/dev/null",
                                                      "http://127.0.0.1:\(port)/api/v1/webhooks/git"])
        #expect(unsigned.stdout.hasPrefix("401"))
        // 100 unfinished 4 MB bodies with a signature header: the hub holds at most the budget.
        var sockets: [Int32] = []
        defer { for fd in sockets { close(fd) } }
        let chunk = [UInt8](repeating: 0x20, count: 1 << 20)
        for _ in 0..<100 {
            let (fd, result) = LoopbackSocket.connect(to: port)
            guard result == 0 else { continue }
            sockets.append(fd)
            let head = "POST /api/v1/webhooks/git HTTP/1.1\r\nHost: x\r\nX-Hub-Signature-256: sha256=00\r\nContent-Length: 4000000\r\n\r\n"
            _ = Array(head.utf8).withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            for _ in 0..<4 { _ = chunk.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) } }
        }
        Thread.sleep(forTimeInterval: 3)
        let rss = residentMegabytes(hub.pid)
        #expect(rss < 200, "the hub holds \(rss) MB with 100 unfinished webhook bodies (the old hub buffered each whole)")
        #expect(healthz(port) == 200)
    }

    func residentMegabytes(_ pid: pid_t) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
        return (Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") ?? 0) / 1024
    }
}
