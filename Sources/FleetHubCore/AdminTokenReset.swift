import FleetHubStore
import Foundation

/// `hub admin-token --reset`: the way back when nobody has the admin token (it was lost, or a
/// first start was cut off after storing it): a new admin token is made and stored, then every
/// other admin token is revoked, so at no point is there none. Run with the hub stopped: a
/// running hub keeps the tokens it loaded until it restarts.
public enum AdminTokenReset {
    public static func reset(config: HubConfig) throws -> (token: String, revoked: Int) {
        let path = config.stateDirectory + "/hub.sqlite"
        guard FileManager.default.fileExists(atPath: path) else {
            throw HubConfigError(file: config.stateDirectory, key: "stateDir",
                                 reason: "no hub state here: start the hub once (it creates the first admin token and prints it)")
        }
        let database = try HubDatabase(path: path)
        let tokens = try TokenStore(database: database)
        let token = TokenCodec.generate()
        if let file = config.adminTokenFile { try HubFiles.writeAdminToken(token, to: file, what: "new") }
        let issued = try tokens.issue(role: .admin, cluster: nil, label: "admin (reset)", secret: token)
        var revoked = 0
        for stored in try tokens.all() where stored.role == Role.admin.rawValue && stored.revokedAt == nil && stored.id != issued.id {
            revoked += try tokens.revoke(id: stored.id)
        }
        try database.recordEvent(kind: "admin-token-reset", actor: "hub admin-token --reset", subject: "admin",
                                 message: "a new admin token was made; \(revoked) older admin token(s) revoked")
        return (token, revoked)
    }
}
