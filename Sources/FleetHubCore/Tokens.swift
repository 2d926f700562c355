import Crypto
import FleetModel
import Foundation

/// What a bearer token may do. Each role includes the ones before it, except `spoke`, which is
/// limited to one cluster: read its plan, write its status.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case spoke, viewer, `operator`, admin

    var rank: Int {
        switch self {
        case .spoke: return 0
        case .viewer: return 1
        case .`operator`: return 2
        case .admin: return 3
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}

/// Who made a request, once their token checked out.
public struct Principal: Sendable, Equatable {
    public var tokenID: Int64
    public var role: Role
    /// For a spoke token, the cluster it speaks for.
    public var cluster: String?
    public var label: String

    public var name: String { cluster.map { "spoke:\($0)" } ?? "\(role.rawValue):\(label)" }

    /// Whether this principal may act with `role` (for `cluster`, when the action concerns one).
    public func may(_ needed: Role, cluster target: String? = nil) -> Bool {
        if role == .spoke {
            return needed == .spoke && target != nil && target == cluster
        }
        return role >= needed
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
    /// Writes a secret atomically with mode 0600.
    static func writeSecret(_ data: Data, to path: String) throws {
        let temporary = path + ".tmp"
        FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600])
        guard FileManager.default.fileExists(atPath: temporary) else {
            throw HubConfigError(file: path, key: "", reason: "cannot write the file")
        }
        guard rename(temporary, path) == 0 else {
            throw HubConfigError(file: path, key: "", reason: "cannot write the file: \(String(cString: strerror(errno)))")
        }
    }
}
