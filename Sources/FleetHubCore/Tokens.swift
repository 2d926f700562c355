import Crypto
import FleetModel
import Foundation

/// The kind of a bearer token, as issued and stored. What a token may do is its role's
/// `capabilities`, listed one by one: roles are not ranked, so a broader role never gains a
/// narrower role's rights by accident (an operator cannot write a spoke's status).
public enum Role: String, Sendable, CaseIterable {
    case spoke, viewer, `operator`, admin

    public var capabilities: Set<Capability> {
        switch self {
        case .spoke: return [.readOwnPlan, .writeOwnStatus]
        case .viewer: return [.readViews, .readAnyPlan]
        case .`operator`: return [.readViews, .readAnyPlan, .refresh, .sync, .rollback, .runDrills, .manageClusters]
        case .admin: return [.readViews, .readAnyPlan, .refresh, .sync, .rollback, .runDrills, .manageClusters, .manageTokens]
        }
    }
}

/// One thing a token may do. `readOwnPlan` and `writeOwnStatus` are confined to the cluster a
/// spoke token was enrolled for; every other capability is fleet-wide.
public enum Capability: String, Sendable, CaseIterable, Comparable {
    case readViews = "read-views"
    case readAnyPlan = "read-any-plan"
    case readOwnPlan = "read-own-plan"
    case writeOwnStatus = "write-own-status"
    case refresh
    case sync
    case rollback
    case runDrills = "run-drills"
    case manageClusters = "manage-clusters"
    case manageTokens = "manage-tokens"

    public static func < (a: Capability, b: Capability) -> Bool { a.rawValue < b.rawValue }
}

/// What a request asks to do, with the cluster it concerns where that matters.
public enum HubAction: Sendable, Equatable {
    case readViews
    case readPlan(cluster: String)
    case writeStatus(cluster: String)
    case refresh, sync, rollback, runDrills, manageClusters, manageTokens

    /// How the action reads in a refusal: "may not write the status of us-west-2". The cluster
    /// comes from the URL, so from the caller: at most 100 characters of it are repeated.
    public var phrase: String {
        func shown(_ cluster: String) -> String { cluster.count <= 100 ? cluster : String(cluster.prefix(100)) + "..." }
        switch self {
        case .readViews: return "read the fleet's views"
        case .readPlan(let cluster): return "read the plan of \(shown(cluster))"
        case .writeStatus(let cluster): return "write the status of \(shown(cluster))"
        case .refresh: return "refresh the fleet repository"
        case .sync: return "request syncs"
        case .rollback: return "roll back Applications"
        case .runDrills: return "run DR drills"
        case .manageClusters: return "enroll, rotate or revoke clusters"
        case .manageTokens: return "manage tokens"
        }
    }
}

/// Who made a request, once their token checked out.
public struct Principal: Sendable, Equatable {
    public var tokenID: Int64
    public var role: Role
    /// For a spoke token, the cluster it speaks for.
    public var cluster: String?
    public var label: String

    public var name: String { cluster.map { "spoke:\($0)" } ?? "\(role.rawValue):\(label)" }

    /// Whether this principal holds the capability the action needs (for its own cluster,
    /// where the capability is confined to one).
    public func may(_ action: HubAction) -> Bool {
        let capabilities = role.capabilities
        switch action {
        case .readViews: return capabilities.contains(.readViews)
        case .readPlan(let target):
            return capabilities.contains(.readAnyPlan) || capabilities.contains(.readOwnPlan) && cluster == target
        case .writeStatus(let target):
            return capabilities.contains(.writeOwnStatus) && cluster != nil && cluster == target
        case .refresh: return capabilities.contains(.refresh)
        case .sync: return capabilities.contains(.sync)
        case .rollback: return capabilities.contains(.rollback)
        case .runDrills: return capabilities.contains(.runDrills)
        case .manageClusters: return capabilities.contains(.manageClusters)
        case .manageTokens: return capabilities.contains(.manageTokens)
        }
    }
}

/// Bearer tokens: 32 random bytes, shown once (`fleet_<base64url>`), stored as SHA-256 hex.
public enum TokenCodec {
    public static let prefix = "fleet_"

    public static func generate() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        return prefix + Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    public static func hash(_ token: String) -> String {
        Hex.encode(SHA256.hash(data: Data(token.utf8)))
    }

    /// Compares two strings in time that depends only on their lengths.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        var difference: UInt8 = 0
        for i in x.indices { difference |= x[i] ^ y[i] }
        return difference == 0
    }
}

/// The hub's Ed25519 signing key, created on first start under the state directory (mode 0600).
/// Spokes pin the public key and refuse plans whose signature does not verify.
public struct PlanSigner: Sendable {
    let key: Curve25519.Signing.PrivateKey

    public init(stateDirectory: String) throws {
        let path = stateDirectory + "/signing-key"
        if let data = FileManager.default.contents(atPath: path) {
            key = try Curve25519.Signing.PrivateKey(rawRepresentation: data)
        } else {
            key = Curve25519.Signing.PrivateKey()
            try HubFiles.writeSecret(key.rawRepresentation, to: path)
        }
    }

    /// The public key as base64 (what spokes pin).
    public var publicKey: String { key.publicKey.rawRepresentation.base64EncodedString() }

    /// The signature of exactly these bytes, base64.
    public func sign(_ body: Data) throws -> String {
        try key.signature(for: body).base64EncodedString()
    }

    /// Checks a signature made with the public key `publicKey` (base64), as a spoke does.
    public static func verify(_ body: Data, signature: String, publicKey: String) -> Bool {
        guard let keyData = Data(base64Encoded: publicKey), let signatureData = Data(base64Encoded: signature),
              let key = try? Curve25519.Signing.PublicKey(rawRepresentation: keyData) else { return false }
        return key.isValidSignature(signatureData, for: body)
    }
}

enum HubFiles {
    /// Writes an admin token to `tokens.adminTokenFile` before it is stored (a file that
    /// cannot be written leaves no token nobody has); `what` says which token, for the error.
    static func writeAdminToken(_ token: String, to file: String, what: String) throws {
        do { try writeSecret(Data((token + "\n").utf8), to: file) } catch {
            throw HubConfigError(file: file, key: "tokens.adminTokenFile", reason: "cannot write the \(what) admin token there: \(error)")
        }
    }

    /// Writes a secret atomically with mode 0600.
    static func writeSecret(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw HubConfigError(file: path, key: "", reason: "cannot write the file")
        }
        guard rename(temporary, path) == 0 else {
            throw HubConfigError(file: path, key: "", reason: "cannot write the file: \(String(cString: strerror(errno)))")
        }
    }
}
