import FleetTestSupport
@testable import FleetHubCore
import FleetModel
import FleetYAML
import Testing

@Suite struct HubConfigTests {
    func parse(_ yaml: String, environment: [String: String] = [:]) throws -> HubConfig {
        try HubConfig(try YAML.parse(yaml), file: "hub.yaml", environment: environment, baseDirectory: "/etc/fleet")
    }

    @Test func readsEveryKeyWithDefaultsAndRelativePaths() throws {
        let config = try parse("""
            listen: 0.0.0.0:9090
            stateDir: state
            repository:
              url: https://github.com/example/fleet.git
              branch: release
              path: fleet
              pollInterval: 30s
              aliases: [git@github.com:example/fleet.git]
            credentials:
            - urlPrefix: https://github.com/example/
              username: x-access-token
              passwordEnv: GH_TOKEN
            retention: {reports: 24h, planHistory: 10}
            staleAfter: 2m
            """, environment: ["GH_TOKEN": "t0k"])
        #expect(config.listenHost == "0.0.0.0" && config.listenPort == 9090)
        #expect(config.stateDirectory == "/etc/fleet/state")
        #expect(config.branch == "release" && config.repositoryPath == "fleet")
        #expect(config.pollInterval == .seconds(30))
        #expect(config.staleAfter == .minutes(2))
        #expect(config.planHistory == 10)
        #expect(config.remoteOptions(for: "https://github.com/example/fleet.git").credentials == .userPassword(username: "x-access-token", password: "t0k"))
        #expect(config.remoteOptions(for: "https://gitlab.com/other.git").credentials == .none)
        let defaults = try parse("repository: {url: /srv/fleet}")
        #expect(defaults.listenPort == 8080 && defaults.pollInterval == .seconds(15) && defaults.branch == "main")
    }

    @Test(arguments: [
        ("repository: {url: x}\nlisten: nonsense", "listen"),
        ("repository: {url: x, pollInterval: 15}", "repository.pollInterval"),
        ("repository: {url: x, pollInterval: 10 seconds}", "repository.pollInterval"),
        ("repository: {branch: main}", "repository.url"),
        ("stateDir: /x", "repository"),
        ("repository: {url: x}\nfrobnicate: true", "frobnicate"),
        ("repository: {url: x, brnach: main}", "repository.brnach"),
        ("repository: {url: x}\ncredentials: [{urlPrefix: h, passwordEnv: MISSING}]", "credentials[0].passwordEnv"),
        ("repository: {url: x}\ntls: {certFile: /nonexistent/a.pem, keyFile: /nonexistent/a.key}", "tls.certFile"),
        ("repository: {url: x}\ntls: {certFile: /etc/hostname}", "tls"),
        ("repository: {url: x}\nretention: {planHistory: 0}", "retention.planHistory"),
        ("repository: {url: x}\nretention: {reportBytesPerCluster: 10}", "retention.reportBytesPerCluster"),
        ("repository: {url: x}\nlimits: {maxConnections: 3}", "limits.maxConnections"),
        ("repository: {url: x}\nlimits: {idleTimeout: 60}", "limits.idleTimeout"),
        ("repository: {url: x}\nlimits: {headerTimeout: soon}", "limits.headerTimeout"),
        ("repository: {url: x}\nlimits: {reportsPerMinute: 0}", "limits.reportsPerMinute"),
        ("repository: {url: x}\nlimits: {maxPlanBytes: 999999999}", "limits.maxPlanBytes"),
        ("repository: {url: x}\nlimits: {renderTimeout: 0s}", "limits.renderTimeout"),
        ("repository: {url: x}\nlimits: {maxBodyByte: 5}", "limits.maxBodyByte"),
        ("repository: {url: x}\nkustomize: {buildOptions: --load-restrictor LoadRestrictionsNone}", "kustomize.buildOptions"),
        ("repository: {url: x}\nkustomize: {enableHelm: true}", "kustomize.enableHelm"),
    ])
    func aBadConfigurationNamesTheKeyAndTheReason(yaml: String, key: String) {
        do {
            _ = try parse(yaml)
            Issue.record("expected an error for \(key)")
        } catch let error as HubConfigError {
            #expect(error.key == key, "\(error)")
            #expect(error.description.hasPrefix("hub.yaml: \(key)"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func kustomizeBuildOptionsEnableHelmAsArgoCDsDo() throws {
        #expect(try parse("repository: {url: x}").kustomizeEnableHelm == false)
        #expect(try parse("repository: {url: x}\nkustomize: {buildOptions: --enable-helm}").kustomizeEnableHelm == true)
    }

    @Test func theExampleConfigurationInTheRepositoryParses() throws {
        let root = #filePath.split(separator: "/").dropLast(3).joined(separator: "/")
        do {
            _ = try HubConfig.load(path: "/" + root + "/hub/hub.yaml", environment: [:])
            Issue.record("the example names secret files that do not exist here; expected that error")
        } catch let error as HubConfigError {
            #expect(error.key == "credentials[0].passwordFile", "\(error)")
        }
    }
}

/// One repository is one mirror, whatever spelling an Application uses for it.
@Suite struct MirrorSetSpellingTests {
    @Test func spellingsOfTheFleetRepositoryAndItsAliasesShareItsMirror() throws {
        let config = try HubConfig(.object([
            "stateDir": "/tmp/fleet-mirror-spellings",
            "repository": ["url": "https://git.example.com/org/fleet.git", "aliases": ["git@git.example.com:org/fleet-old.git"]],
        ]), file: "test.yaml")
        let mirrors = MirrorSet(config: config)
        #expect(mirrors.canonical("https://git.example.com/org/fleet") == config.repositoryURL)
        #expect(mirrors.canonical("https://GIT.example.com/org/fleet.git/") == config.repositoryURL)
        #expect(mirrors.canonical("ssh://git@git.example.com/org/fleet-old") == config.repositoryURL, "an alias in its SSH URL form")
        #expect(mirrors.canonical("https://git.example.com/org/apps.git") == "https://git.example.com/org/apps.git")
        #expect(mirrors.canonical("https://git.example.com/org/apps") == "https://git.example.com/org/apps.git", "the first spelling seen names the mirror")
    }
}

/// Every problem of a configuration at once (the key at fault set aside, the rest read again).
@Suite struct HubConfigCheckTests {
    @Test func everyProblemIsReportedWithItsKey() throws {
        let temp = try TemporaryDirectory()
        defer { temp.remove() }
        let file = try temp.write("hub.yaml", """
            listen: 127.0.0.1:99999
            repository: {url: /tmp/x, pollInterval: soon}
            webhook: {secretFile: missing-secret}
            limits: {maxConnections: 1}
            """)
        do {
            _ = try HubConfig.loadReportingAll(path: file, environment: [:])
            Issue.record("a bad configuration was accepted")
        } catch let error as HubConfigErrors {
            let keys = error.problems.map(\.key)
            #expect(keys == ["listen", "repository.pollInterval", "webhook.secretFile", "limits.maxConnections"], "\(error)")
            #expect(error.description.hasPrefix("\(file): 4 problems"))
        }
        #expect(HubConfig.removing("credentials[0].passwordFile", from: ["credentials": [["urlPrefix": "x", "passwordFile": "f"]]])
                == ["credentials": [["urlPrefix": "x"]]])
    }
}
