import FleetModel
import FleetProtocol
import Testing

@Suite struct PlanCodingTests {
    /// A plan as the hub serves it: every documented field, plus fields a newer hub might add.
    static let servedPlan = #"""
        {"applications":[{"error":"render failed","healthOverrides":[{"group":"argoproj.io","health":"Healthy","kind":"Rollout"}],
        "ignoreDifferences":[{"jsonPointers":["/spec/replicas"],"kind":"Deployment"}],"name":"web-us","namespace":"shop","project":"retail",
        "resources":[{"group":"apps","hooks":["PreSync"],"kind":"Deployment","name":"web","namespace":"shop",
        "object":{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"labels":{"fleet.gitops.dev/app":"web-us"},"name":"web","namespace":"shop"}},
        "syncOptions":["Replace=true"],"version":"v1","wave":-1,"zNewResourceField":1}],
        "sources":[{"chart":"redis","path":"","repoURL":"https://charts.example.com","targetRevision":"1.2.3"}],
        "syncPolicy":{"automated":{"allowEmpty":false,"prune":true,"selfHeal":true},"retry":{"backoff":{"duration":"5s","factor":2,"maxDuration":"3m"},"limit":5},
        "syncOptions":["CreateNamespace=true"]},"trackingLabel":"web-us","zNewEntryField":{"a":1}}],
        "cluster":"us-west-2","committedAt":"2026-12-01T09:12:44Z","drill":{"id":7,"wipe":true},"fleetCommit":"4f6c","formatVersion":1,
        "generation":1796567695304,"id":"sha256:ab","issuedAt":"2026-12-01T09:12:45Z","revisions":{"https://git.example.com/fleet.git":"4f6c"},
        "server":"https://10.0.2.10:6443","syncRequests":{"web-us":"tok-1"},"zNewPlanField":[true]}
        """#

    @Test func aServedPlanDecodesAndReencodesToTheSameBytes() throws {
        let bytes = Array(Self.servedPlan.replacingNewlines().utf8)
        let plan = try Plan(json: bytes)
        #expect(plan.cluster == "us-west-2" && plan.generation == 1796567695304 && plan.drill == PlanDrill(id: 7, wipe: true))
        #expect(plan.syncRequests == ["web-us": "tok-1"])
        let entry = try #require(plan.entry(named: "web-us"))
        #expect(entry.syncPolicy.automated == AutomatedSync(prune: true, selfHeal: true))
        #expect(entry.syncPolicy.retry == RetryPolicy())
        #expect(entry.healthOverrides == [HealthOverride(group: "argoproj.io", kind: "Rollout", health: .healthy)])
        #expect(entry.resources.first?.wave == -1 && entry.resources.first?.hooks == ["PreSync"])
        #expect(entry.unknownFields["zNewEntryField"] != nil, "fields of a newer hub are kept")
        #expect(plan.canonicalJSON == bytes)
    }

    @Test func theCanonicalWriterGivesTheBytesOfTheEncodedPlan() throws {
        let entries = [PlanEntry(name: "a", trackingLabel: "a", namespace: "n\u{e9}"), PlanEntry(name: "b\"q", trackingLabel: "b")]
        let revisions = ["https://z.example/r.git": "c2", "https://a.example/r.git": "c1"]
        let plan = Plan(cluster: "eu \"1\"", server: "https://10.0.0.1:6443", id: "sha256:0", revisions: revisions, applications: entries)
        let state = CanonicalPlanWriter.desiredState(entries: entries.map { JSON.encodeBytes($0.value, options: [.sortedKeys]) }, cluster: plan.cluster)
        let written = CanonicalPlanWriter.document(desiredState: state, id: "sha256:0", revisions: revisions, server: plan.server)
        #expect(written == plan.canonicalJSON)
        #expect(try Plan(json: written) == plan)
    }

    @Test func aManualApplicationEncodesAutomatedAsNull() throws {
        let entry = PlanEntry(name: "a", trackingLabel: "a")
        #expect(JSON.encode(entry.syncPolicy.value, options: [.sortedKeys]) == #"{"automated":null,"syncOptions":[]}"#)
        let decoded = try PlanEntry(entry.value)
        #expect(decoded == entry)
    }

    @Test func aResourceWithoutIdentityFieldsTakesThemFromItsObject() throws {
        let entry = try PlanEntry(JSON.parse(#"""
            {"name":"a","resources":[{"object":{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{"name":"r","namespace":"n"}}},
             {"object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}}]}
            """#))
        let role = entry.resources[0]
        #expect(role.group == "rbac.authorization.k8s.io" && role.version == "v1" && role.kind == "Role" && role.namespace == "n" && role.name == "r")
        let map = entry.resources[1]
        #expect(map.group == "" && map.version == "v1" && map.namespace == "")
    }

    @Test(arguments: [
        (#"{"cluster":"c","applications":[]}"#, "formatVersion: is required (not a plan? `fleet render --cluster NAME` prints one)"),
        (#"{"formatVersion":2,"cluster":"c","applications":[]}"#, "formatVersion: 2 is not a plan format this version reads (1)"),
        (#"{"formatVersion":1,"applications":[]}"#, "cluster: is required"),
        (#"[1]"#, "must be an object, not array"),
        (#"{"formatVersion":1,"cluster":"c","applications":[{"name":"a"},{"name":"b","resources":[{"wave":"x","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"}}}]}]}"#,
         "applications[1].resources[0].wave: must be an integer, not string"),
        (#"{"formatVersion":1,"cluster":"c","applications":[{"name":"a","resources":[{"object":{"apiVersion":"v1","kind":"ConfigMap"}}]}]}"#,
         "applications[0].resources[0].object.metadata: is required"),
        (#"{"formatVersion":1,"cluster":"c","applications":[{"name":"a","syncPolicy":{"automated":{"prune":"yes"}}}]}"#,
         "applications[0].syncPolicy.automated.prune: must be true or false, not string"),
        (#"{"formatVersion":1,"cluster":"c","applications":[{"name":"a"},{"name":"a"}]}"#, "applications[1].name: Application \"a\" appears twice"),
        (#"{"formatVersion":1,"cluster":"c","applications":[],"syncRequests":{"a":1}}"#, "syncRequests.a: must be a string, not integer"),
        (#"{"formatVersion":1,"cluster":"c","applications":[],"drill":{"id":0}}"#, "drill.id: must be a positive integer"),
        (#"{"formatVersion":1,"cluster":"c","applications":[{"name":"a","healthOverrides":[{"kind":"X","health":"Fine"}]}]}"#,
         "applications[0].healthOverrides[0].health: \"Fine\" is not a health status (Healthy, Suspended, Progressing, Missing, Degraded, Unknown)"),
    ])
    func aMalformedPlanIsRefusedNamingTheField(document: String, message: String) throws {
        let error = #expect(throws: ProtocolError.self) { try Plan(json: Array(document.utf8)) }
        #expect(error?.description == message)
    }

    @Test func healthOverridesFromAnAnnotationNameTheItemThatIsWrong() throws {
        #expect(try HealthOverride.list(JSON.parse(#"[{"kind":"Rollout"}]"#)) == [HealthOverride(kind: "Rollout")])
        let error = #expect(throws: ProtocolError.self) { try HealthOverride.list(JSON.parse(#"[{"kind":"A"},{"group":"g"}]"#)) }
        #expect(error?.description == "healthOverrides[1].kind: is required")
        #expect(throws: ProtocolError.self) { try HealthOverride.list(JSON.parse(#""Rollout""#)) }
    }

    @Test func anOverrideWithoutAGroupMatchesEveryGroup() {
        #expect(HealthOverride(kind: "Rollout").matches(group: "argoproj.io", kind: "Rollout"))
        #expect(!HealthOverride(group: "apps", kind: "Rollout").matches(group: "argoproj.io", kind: "Rollout"))
        #expect(!HealthOverride(kind: "Rollout").matches(group: "argoproj.io", kind: "Deployment"))
    }
}

extension String {
    func replacingNewlines() -> String { String(filter { $0 != "\n" }) }
}

@Suite struct PlanEnvelopeTests {
    @Test func theEnvelopeSplicedIntoCanonicalBytesEqualsTheEncodedPlansEnvelope() throws {
        var plan = Plan(cluster: "eu", server: "https://k", id: "sha256:1", revisions: ["r": "c"], applications: [PlanEntry(name: "a", trackingLabel: "a")])
        let envelope = Plan.envelope(generation: 42, issuedAt: "2026-12-07T00:00:00Z", fleetCommit: "c", committedAt: nil)
        let spliced = try #require(CanonicalJSONObject.setting(envelope, in: plan.canonicalJSON))
        plan.generation = 42
        plan.issuedAt = "2026-12-07T00:00:00Z"
        plan.fleetCommit = "c"
        #expect(spliced == plan.canonicalJSON)
        #expect(try Plan(json: spliced).committedAt == nil, "an unknown commit time is left out, not null")
    }
}
