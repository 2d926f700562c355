import FleetHubStore
import FleetTestSupport
import Testing

@testable import FleetHubCore

/// The in-memory token check stays in step with the store: what is issued authenticates at
/// once, what is revoked stops at once, and a restart reads the same live set back.
@Suite struct TokenStoreTests {
    @Test func issuedTokensAuthenticateAndRevokedOnesStopAtOnce() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let database = try HubDatabase(path: temp.file("hub.sqlite"))
        let tokens = try TokenStore(database: database)
        let spoke = try tokens.issue(role: .spoke, cluster: "eu", label: "spoke eu")
        let viewer = try tokens.issue(role: .viewer, cluster: nil, label: "dashboards")
        #expect(tokens.authenticate(spoke.token) == Principal(tokenID: spoke.id, role: .spoke, cluster: "eu", label: "spoke eu"))
        #expect(tokens.authenticate(viewer.token)?.role == .viewer)
        #expect(tokens.authenticate("fleet_unknown") == nil)
        #expect(tokens.count(.viewer) == 1 && tokens.count(.admin) == 0)

        #expect(try tokens.revoke(cluster: "eu") == 1)
        #expect(tokens.authenticate(spoke.token) == nil)
        #expect(try tokens.revoke(id: viewer.id) == 1)
        #expect(tokens.authenticate(viewer.token) == nil)
        #expect(try tokens.revoke(id: viewer.id) == 0, "revoking twice changes nothing")
        #expect(try tokens.all().count == 2, "revoked tokens stay listed")
    }

    @Test func aRestartedHubReadsTheLiveTokensBack() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let path = temp.file("hub.sqlite")
        let admin = try TokenStore(database: try HubDatabase(path: path)).issue(role: .admin, cluster: nil, label: "admin", secret: "fleet_given")
        let reopened = try TokenStore(database: try HubDatabase(path: path))
        #expect(reopened.authenticate("fleet_given")?.tokenID == admin.id)
        #expect(reopened.count(.admin) == 1)
    }
}
