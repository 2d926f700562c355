import Crypto
import FleetHubCore
import FleetModel
import Foundation
import Hummingbird
import Synchronization

/// Bytes held across requests that are not yet authenticated (webhook bodies before their
/// signature is checked): a flood of unfinished bodies cannot hold more than `capacity`.
final class ByteBudget: Sendable {
    let capacity: Int
    private let used = Mutex(0)

    init(capacity: Int) { self.capacity = capacity }

    func reserve(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard used + bytes <= capacity else { return false }
            used += bytes
            return true
        }
    }

    func release(_ bytes: Int) { used.withLock { $0 -= bytes } }
}

/// `POST /api/v1/webhooks/git`: GitHub (`X-Hub-Signature-256`) and GitLab (`X-Gitlab-Token`)
/// push events. The credential is checked from the header before any of the body is read
/// (a GitLab token at once; a GitHub HMAC over the body as it streams in), and an unsigned
/// request is refused without reading it.
extension HubRoutes {
    static func webhook(_ request: Request, _ engine: HubEngine, limit: Int, budget: ByteBudget) async throws -> Response {
        guard let secret = engine.config.webhookSecret else {
            throw HubError(.forbidden, "webhooks are disabled: set webhook.secretFile in the hub configuration")
        }
        let signature = request.headers[githubSignature]
        if signature == nil {
            guard let token = request.headers[gitlabToken] else {
                throw HubError(.unauthorized, "unsigned webhook: send X-Hub-Signature-256 (GitHub) or X-Gitlab-Token (GitLab)")
            }
            guard TokenCodec.constantTimeEquals(token, secret) else { throw HubError(.unauthorized, "webhook token does not match") }
        } else if !(signature!.hasPrefix("sha256=")) {
            throw HubError(.unauthorized, "webhook signature must be sha256=<hex>")
        }
        var mac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
        var body: [UInt8] = []
        var reserved = 0
        defer { budget.release(reserved) }
        do {
            for try await chunk in request.body {
                let count = chunk.readableBytes
                guard body.count + count <= limit else { throw HubError(.tooLarge, "the request body is larger than \(limit) bytes") }
                guard budget.reserve(count) else {
                    throw HubError(.unavailable, "too many webhook bodies are arriving at once (limits.webhookBufferBytes); try again", retryAfter: 5)
                }
                reserved += count
                chunk.withUnsafeReadableBytes { mac.update(data: $0) }
                body.append(contentsOf: chunk.readableBytesView)
            }
        } catch let error as HubError {
            throw error
        } catch {
            throw bodyCutOff
        }
        if let signature {
            let expected = "sha256=" + Hex.encode(mac.finalize())
            guard TokenCodec.constantTimeEquals(signature, expected) else { throw HubError(.unauthorized, "webhook signature does not match") }
        }
        let payload = try parseJSON(Data(body))
        var urls: [String] = []
        for object in [payload["repository"], payload["project"]] {
            for key in ["clone_url", "html_url", "ssh_url", "git_url", "git_http_url", "git_ssh_url", "url", "http_url"] {
                if let url = object?[key]?.stringValue { urls.append(url) }
            }
        }
        engine.metrics.webhooks.increment()
        let config = engine.config
        let matchesFleet = urls.contains(where: config.isFleetRepository)
        if matchesFleet || urls.isEmpty {
            await engine.refresh(force: false)
        } else {
            for url in urls.prefix(16) { await engine.refresh(url: url) }
        }
        return json(["accepted": true, "repositories": .array(urls.map(Value.string))], status: .accepted)
    }
}
