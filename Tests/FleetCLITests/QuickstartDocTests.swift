import FleetTestSupport
import Foundation
import Testing

/// docs/quickstart.md as a new user runs it: its `sh quickstart` blocks, in order, in an empty
/// directory, with the built binaries on PATH and a free port.
@Suite struct QuickstartDocTests {
    @Test func theQuickstartPageRunsAsWritten() throws {
        let page = try String(contentsOfFile: BuildCommandTests.repositoryRoot + "/docs/quickstart.md", encoding: .utf8)
        var blocks: [String] = []
        var current: [Substring]?
        for line in page.split(separator: "\n", omittingEmptySubsequences: false) {
            if current == nil, line == "```sh quickstart" { current = [] } else if current != nil, line == "```" {
                blocks.append(current!.joined(separator: "\n"))
                current = nil
            } else if current != nil { current!.append(line) }
        }
        #expect(blocks.count >= 5, "the page's runnable blocks were found")
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        // Whatever happens, nothing the page started keeps running.
        let script = "set -eu\ntrap 'kill $(cat *.pid 2>/dev/null) 2>/dev/null; sleep 1; kill -9 $(cat *.pid 2>/dev/null) 2>/dev/null || true' EXIT\n"
            + blocks.joined(separator: "\n")
        let port = try freeLoopbackPort()
        let result = try ProcessRunner.run("timeout", ["300", "bash", "-c", script], in: temp.path,
                                           environment: ["PATH": ProcessRunner.productsDirectory + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                                                         "PORT": String(port), "FLEET_HUB": "", "FLEET_TOKEN": ""])
        let logs = ["hub.log", "dev-spoke.log"].map { (try? String(contentsOfFile: temp.file($0), encoding: .utf8)) ?? "" }.joined(separator: "\n")
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)\n\(logs)")
        #expect(result.stdout.contains("hello-dev") && result.stdout.contains("hello-prod") && result.stdout.contains("Healthy"), "\(result.stdout)")
    }
}
