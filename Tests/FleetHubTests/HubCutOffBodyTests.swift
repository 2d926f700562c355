import FleetTestSupport
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A webhook body that ends early (the client hung up mid-body) is the client's doing: never
/// logged by the hub as an internal error (issue 27, finding 6).
extension HubLiveTests {
    @Test func aWebhookBodyCutOffIsNotAnInternalError() throws {
        let temp = try TemporaryDirectory(prefix: "fleet-cutoff")
        defer { temp.remove() }
        let repo = try makeFleet(temp)
        let port = try freeLoopbackPort()
        let config = try temp.write("hub.yaml", """
            listen: 127.0.0.1:\(port)
            stateDir: state
            repository: {url: '\(repo.path)', pollInterval: 1h}
            webhook: {secretEnv: HOOK}
            """)
        let hub = try BackgroundProcess(hubBinary, ["--config", config], environment: ["HOOK": "s3cret"], logPath: temp.file("hub.log"))
        defer { hub.stop() }
        #expect(waitForLoopbackPort(port, timeout: 20))
        for _ in 0..<5 {
            let (fd, result) = LoopbackSocket.connect(to: port)
            #expect(result == 0)
            let head = "POST /api/v1/webhooks/git HTTP/1.1\r\nHost: x\r\nX-Gitlab-Token: s3cret\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"repository\":"
            _ = head.withCString { send(fd, $0, strlen($0), 0) }
            Thread.sleep(forTimeInterval: 0.1)
            close(fd)
        }
        Thread.sleep(forTimeInterval: 0.5)
        let log = (try? String(contentsOfFile: temp.file("hub.log"), encoding: .utf8)) ?? ""
        #expect(!log.contains("internal error"), "\(log)")
        #expect(hub.isRunning)
    }
}
