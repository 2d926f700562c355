import FleetAppSet
import FleetHubCore
import FleetModel
import FleetPlan
import Testing

/// The hub remembers what each ApplicationSet has, so `applicationsSync: create-only` holds
/// across commits and restarts as it does under Argo CD's controller (whose memory is the
/// Applications in the cluster).
@Suite struct HubApplicationSetPolicyTests {
    static func deploymentName(_ hub: HubEngine, _ cluster: String, _ app: String) throws -> String? {
        try HubOperationsTests.entry(hub.plan(for: cluster), app)["resources"]?.arrayValue?
            .first { $0["object"]?["kind"] == "Deployment" }?["object"]?["metadata"]?["name"]?.stringValue
    }

    @Test func createOnlyHoldsAcrossCommitsAndARestartedHub() async throws {
        let hub = try await HubFixture { $0.applicationSetPolicy = ApplicationSetPolicy(controller: .sync, allowOverride: true) }
        let path = hub.repo.path + "/applicationsets/web.yaml"
        let original = try String(contentsOfFile: path, encoding: .utf8)
        let createOnly = original.replacingOccurrences(of: "spec:\n  generators:", with: "spec:\n  syncPolicy: {applicationsSync: create-only}\n  generators:")
        #expect(createOnly != original)
        try hub.commit(["applicationsets/web.yaml": createOnly])
        await hub.round()
        #expect(try Self.deploymentName(hub.engine, "us-east-1", "web-us-east-1") == "us-east-1-web")

        // The template now points at the base: the existing Applications are not updated.
        try hub.commit(["applicationsets/web.yaml": createOnly.replacingOccurrences(of: "apps/web/overlays/{{metadata.labels.region}}", with: "apps/web/base")])
        await hub.round()
        #expect(try Self.deploymentName(hub.engine, "us-east-1", "web-us-east-1") == "us-east-1-web")

        let restarted = try HubEngine(config: hub.config)
        _ = try await restarted.restore()
        await restarted.runRound(force: true, only: nil)
        #expect(try Self.deploymentName(restarted, "us-east-1", "web-us-east-1") == "us-east-1-web", "a restarted hub remembers what the set had")

        // Under the default policy (sync, override off) the same commit updates them.
        var syncConfig = hub.config
        syncConfig.applicationSetPolicy = ApplicationSetPolicy()
        let defaultHub = try HubEngine(config: syncConfig)
        _ = try await defaultHub.restore()
        await defaultHub.runRound(force: true, only: nil)
        #expect(try Self.deploymentName(defaultHub, "us-east-1", "web-us-east-1") == "web")
    }

    @Test func theConfigurationReadsThePolicyAndRefusesUnknownOnes() throws {
        let config = try HubConfig(.object([
            "repository": ["url": "/tmp/x"],
            "applicationSets": ["policy": "create-update", "enablePolicyOverride": true],
        ]), file: "hub.yaml", environment: [:])
        #expect(config.applicationSetPolicy == ApplicationSetPolicy(controller: .createUpdate, allowOverride: true))
        #expect(throws: HubConfigError.self) {
            try HubConfig(.object(["repository": ["url": "/tmp/x"], "applicationSets": ["policy": "create-most"]]), file: "hub.yaml", environment: [:])
        }
    }
}
