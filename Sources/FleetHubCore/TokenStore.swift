import FleetHubStore
import Foundation
import Synchronization

/// The hub's bearer tokens: issued, revoked and listed through the store, and checked against
/// an in-memory copy of the live ones kept in step with it. A request authenticates without a
/// database read and without waiting for the engine, which may be busy planning.
public final class TokenStore: Sendable {
    private let database: HubDatabase
    /// Live tokens by hash.
    private let live = Mutex<[String: Principal]>([:])

    init(database: HubDatabase) throws {
        self.database = database
        try reload()
    }

    /// Reads the live tokens again (after every change, and at start).
    func reload() throws {
        var byHash: [String: Principal] = [:]
        for (stored, hash) in try database.liveTokens() {
            guard let role = Role(rawValue: stored.role) else { continue }
            byHash[hash] = Principal(tokenID: stored.id, role: role, cluster: stored.cluster, label: stored.label)
        }
        live.withLock { $0 = byHash }
    }

    /// The principal a bearer token stands for, or nil (unknown or revoked).
    public func authenticate(_ token: String) -> Principal? {
        let hash = TokenCodec.hash(token)
        // Looked up by the token's SHA-256: timing says nothing about the token itself.
        return live.withLock { $0[hash] }
    }

    /// Issues a token (a new secret unless one is given, e.g. one already written to a file);
    /// returns its id and the secret (shown once, stored as a hash).
    func issue(role: Role, cluster: String?, label: String, secret: String = TokenCodec.generate()) throws -> (id: Int64, token: String) {
        let token = secret
        let id = try database.insertToken(hash: TokenCodec.hash(token), role: role.rawValue, cluster: cluster, label: label)
        try reload()
        return (id, token)
    }

    /// Revokes every live spoke token of a cluster; returns how many.
    func revoke(cluster: String) throws -> Int {
        let revoked = try database.revokeTokens(cluster: cluster)
        try reload()
        return revoked
    }

    /// Revokes one token by id; returns how many (0: none live with that id).
    func revoke(id: Int64) throws -> Int {
        let revoked = try database.revokeTokens(id: id)
        try reload()
        return revoked
    }

    /// Every token ever issued, revoked ones included (for `GET /api/v1/tokens`).
    func all() throws -> [StoredToken] { try database.tokens() }

    /// How many live tokens hold the role.
    func count(_ role: Role) -> Int { live.withLock { $0.values.filter { $0.role == role }.count } }
}
