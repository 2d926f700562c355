import FleetHTTPClient
import FleetTestSupport
import Foundation
import Testing

@Suite struct HTTPClientTests {
    @Test func getReturnsStatusHeadersAndBodyAndSendsOurHeaders() throws {
        let server = try LoopbackHTTPServer { request in
            .text("hello \(request.header("X-Cluster") ?? "?")", headers: [("ETag", "\"abc\""), ("X-Multi", "1")])
        }
        defer { server.stop() }
        let client = HTTPClient()
        let response = try client.send(HTTPRequest(url: server.url + "/api/v1/x?wait=1", headers: [("X-Cluster", "us-east-1")]))
        #expect(response.status == 200)
        #expect(response.bodyText == "hello us-east-1")
        #expect(response.etag == "\"abc\"")
        #expect(response.header("x-multi") == "1", "header lookup ignores case")
        #expect(server.requests.first?.target == "/api/v1/x?wait=1")
        #expect(server.requests.first?.header("User-Agent") == "fleet-spoke")
    }

    @Test func postsAJSONBody() throws {
        let server = try LoopbackHTTPServer { request in
            TestHTTPResponse(status: 201, body: request.body)
        }
        defer { server.stop() }
        let client = HTTPClient()
        let body = Array(#"{"sequence":7,"apps":[]}"#.utf8)
        let response = try client.send(.json("POST", url: server.url + "/status", body: body))
        #expect(response.status == 201)
        #expect(response.body == body)
        let received = try #require(server.requests.first)
        #expect(received.method == "POST")
        #expect(received.header("Content-Type") == "application/json")
        #expect(received.header("Expect") == nil, "no 100-continue round trip")
        // A client is reused across requests and methods.
        let put = try client.send(HTTPRequest(method: "PUT", url: server.url + "/x", body: Array("abc".utf8)))
        #expect(put.bodyText == "abc")
        #expect(server.requests.last?.method == "PUT")
        _ = try client.send(HTTPRequest(url: server.url + "/y"))
        #expect(server.requests.last?.method == "GET")
        #expect(server.requests.last?.body.isEmpty == true)
    }

    @Test func ifNoneMatchGetsNotModified() throws {
        let server = try LoopbackHTTPServer { request in
            if request.header("If-None-Match") == "\"plan-1\"" { return TestHTTPResponse(status: 304, headers: [("ETag", "\"plan-1\"")]) }
            return .text("{}", headers: [("ETag", "\"plan-1\"")])
        }
        defer { server.stop() }
        let client = HTTPClient()
        let first = try client.send(HTTPRequest(url: server.url + "/plan"))
        #expect(first.status == 200)
        let second = try client.send(HTTPRequest(url: server.url + "/plan", headers: [("If-None-Match", first.etag!)]))
        #expect(second.status == 304)
        #expect(second.body.isEmpty)
    }

    @Test func errorStatusesAreResponsesUntilChecked() throws {
        let server = try LoopbackHTTPServer { _ in .text(#"{"error":"cluster us-west-2 is not enrolled"}"#, status: 403) }
        defer { server.stop() }
        let response = try HTTPClient().send(HTTPRequest(url: server.url + "/plan"))
        #expect(response.status == 403)
        let error = #expect(throws: HTTPClientError.self) { try response.checked(url: server.url + "/plan") }
        #expect(error?.kind == .httpStatus(403))
        #expect(error?.message.contains("not enrolled") == true)
        #expect(error?.isTransient == false)
    }

    @Test func aSlowServerTimesOut() throws {
        let server = try LoopbackHTTPServer { _ in TestHTTPResponse(status: 200, body: [1], delay: 3) }
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(requestTimeout: .seconds(10)))
        let start = ContinuousClock.now
        let error = #expect(throws: HTTPClientError.self) {
            try client.send(HTTPRequest(url: server.url + "/slow", timeout: .milliseconds(300)))
        }
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("no complete response within 0.3 seconds") == true, "\(error?.message ?? "")")
        #expect(error?.isTransient == true)
        #expect(ContinuousClock.now - start < .seconds(2), "the per-request timeout applies")
    }

    @Test func aHostThatNeverAnswersHitsTheConnectTimeout() throws {
        let blackhole = try BlackholePort()
        let client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .milliseconds(400), requestTimeout: .seconds(20)))
        let start = ContinuousClock.now
        let error = #expect(throws: HTTPClientError.self) { try client.send(HTTPRequest(url: "http://127.0.0.1:\(blackhole.port)/")) }
        #expect(error?.kind == .timeout)
        #expect(error?.message.contains("could not connect within 0.4 seconds") == true, "\(error?.message ?? "")")
        #expect(ContinuousClock.now - start < .seconds(3), "the connect timeout, not the request timeout, applies")
    }

    @Test func refusedConnectionAndUnknownHostSayWhich() throws {
        let client = HTTPClient(configuration: HTTPClientConfiguration(connectTimeout: .seconds(3)))
        let port = try freeLoopbackPort()
        let refused = #expect(throws: HTTPClientError.self) { try client.send(HTTPRequest(url: "http://127.0.0.1:\(port)/")) }
        #expect(refused?.kind == .connectionRefused)
        #expect(refused?.description.contains("127.0.0.1:\(port)") == true)

        let dns = #expect(throws: HTTPClientError.self) { try client.send(HTTPRequest(url: "http://hub.fleet.invalid/")) }
        #expect(dns?.kind == .dns)

        let bad = #expect(throws: HTTPClientError.self) { try client.send(HTTPRequest(url: "gopher-ish://x")) }
        #expect(bad?.kind == .invalidURL)
    }

    @Test func oversizedResponsesAreAbandoned() throws {
        let big = [UInt8](repeating: 65, count: 300_000)
        let server = try LoopbackHTTPServer { request in
            TestHTTPResponse(status: 200, body: big, omitContentLength: request.path == "/unsized")
        }
        defer { server.stop() }
        let client = HTTPClient(configuration: HTTPClientConfiguration(maxResponseBytes: 100_000))
        for path in ["/sized", "/unsized"] {
            let error = #expect(throws: HTTPClientError.self) { try client.send(HTTPRequest(url: server.url + path)) }
            #expect(error?.kind == .responseTooLarge, "\(path)")
            #expect(error?.message.contains("100000") == true)
        }
        let roomy = HTTPClient(configuration: HTTPClientConfiguration(maxResponseBytes: 1_000_000))
        #expect(try roomy.send(HTTPRequest(url: server.url + "/unsized")).body.count == big.count)
    }

    @Test(.enabled(if: TLSTestServer.isAvailable, "needs openssl (make test-deps installs it)"))
    func tlsIsVerifiedAgainstTheGivenCA() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let server = try TLSTestServer(directory: temp.path)
        defer { server.stop() }
        let url = server.url

        let untrusted = #expect(throws: HTTPClientError.self) { try HTTPClient().send(HTTPRequest(url: url)) }
        #expect(untrusted?.kind == .tls)
        #expect(untrusted?.message.contains("CA file") == true)

        let trusted = try HTTPClient(configuration: HTTPClientConfiguration(caFile: server.certificate)).send(HTTPRequest(url: url))
        #expect(trusted.status == 200)

        let badCA = #expect(throws: HTTPClientError.self) {
            try HTTPClient(configuration: HTTPClientConfiguration(caFile: temp.file("missing.pem"))).send(HTTPRequest(url: url))
        }
        #expect(badCA?.kind == .tls)
    }
}
