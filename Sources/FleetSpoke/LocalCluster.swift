import FleetModel
import FleetProtocol
import FleetReconcile
import FleetSQLite

#if canImport(Glibc)
import Glibc
#endif

/// A cluster whose controllers the spoke itself runs (the embedded local cluster): time moves
/// only when the reconciler says so, and a DR drill with `--wipe` may empty it. A real
/// cluster's driver has neither (its controllers run on their own; it is never wiped).
public protocol SimulatedCluster: ClusterDriver {
    /// Lets the simulated controllers move on to `now`.
    func advance(now: Double) throws
    /// Deletes every live object (a DR drill's `--wipe`) and returns how many there were.
    func wipeForDrill() throws -> Int
}

/// The embedded local cluster: live objects in a SQLite database under the state directory
/// (one row per object, the object as JSON), with what an API server sets (uid,
/// resourceVersion, generation, creationTimestamp), namespaces enforced, and a simulated
/// controller that fills workload status after `readyDelay` seconds, except for images listed
/// as failing, which never become ready (so Degraded can be shown).
///
/// SQLite rather than a tree of YAML files: edits by hand (`spoke local edit|scale|delete`)
/// and the agent never see a half-written object, and a wipe is one file.
public final class LocalCluster: SimulatedCluster {
    public let path: String
    let database: SQLiteDatabase
    public var readyDelay: Double
    public var failingImages: Set<String>
    public var clock: () -> Double
    /// The store's identity, once read (it never changes for a store).
    private var knownIdentity: String?

    static let clusterScoped: Set<String> = [
        "Namespace", "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "StorageClass", "PersistentVolume",
        "IngressClass", "PriorityClass", "APIService", "ValidatingWebhookConfiguration", "MutatingWebhookConfiguration", "Node",
    ]

    /// `readyDelay` and `failingImages`, when given, are stored with the cluster (so `spoke
    /// local` commands simulate the same controller); when nil, the stored ones are used.
    public init(path: String, readyDelay: Double? = nil, failingImages: Set<String>? = nil, clock: @escaping () -> Double = SystemClock.now) throws {
        self.path = path
        self.readyDelay = readyDelay ?? 2
        self.failingImages = failingImages ?? []
        self.clock = clock
        // WAL with synchronous=NORMAL: a killed process loses nothing committed; a power cut may
        // lose the last writes, which the next tick re-applies from the plan.
        database = try SQLiteDatabase(path: path, options: SQLiteOpenOptions(synchronousFull: false))
        try database.execute("PRAGMA cache_size = -512")
        try database.migrate([
            SQLiteMigration(version: 1, sql: """
                CREATE TABLE objects (
                    grp TEXT NOT NULL, kind TEXT NOT NULL, ns TEXT NOT NULL, name TEXT NOT NULL,
                    body TEXT NOT NULL, changedAt REAL NOT NULL,
                    PRIMARY KEY (grp, kind, ns, name)
                );
                CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
                INSERT INTO counters VALUES ('resourceVersion', 0);
                """),
            // The tracking label as a column (an Application's objects without reading every
            // object), and whether the simulated controller has reached a final status.
            SQLiteMigration(version: 2, sql: """
                ALTER TABLE objects ADD COLUMN app TEXT;
                ALTER TABLE objects ADD COLUMN settled INTEGER NOT NULL DEFAULT 0;
                UPDATE objects SET app = json_extract(body, '$.metadata.labels."\(PlanFormat.applicationLabel)"');
                CREATE INDEX objectsByApp ON objects(app);
                CREATE INDEX objectsUnsettled ON objects(settled);
                """),
            SQLiteMigration(version: 3, sql: "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"),
        ])
        if let readyDelay {
            try database.run("INSERT OR REPLACE INTO settings VALUES ('readyDelay', ?)", [.text(String(readyDelay))])
        } else if let stored = try database.query("SELECT value FROM settings WHERE key = 'readyDelay'").first?.first?.text, let value = Double(stored) {
            self.readyDelay = value
        }
        if let failingImages {
            try database.run("INSERT OR REPLACE INTO settings VALUES ('failingImages', ?)", [.text(failingImages.sorted().joined(separator: "\n"))])
        } else if let stored = try database.query("SELECT value FROM settings WHERE key = 'failingImages'").first?.first?.text {
            self.failingImages = Set(stored.split(separator: "\n").map(String.init))
        }
    }

    private func nextResourceVersion() throws -> Int {
        try database.run("UPDATE counters SET value = value + 1 WHERE name = 'resourceVersion'")
        return try database.query("SELECT value FROM counters WHERE name = 'resourceVersion'").first?.first?.int ?? 0
    }

    public static func isClusterScoped(_ key: ResourceKey) -> Bool { clusterScoped.contains(key.kind) }

    // MARK: Reading

    public func get(_ key: ResourceKey) throws -> Value? {
        let rows = try database.query("SELECT body FROM objects WHERE grp = ? AND kind = ? AND ns = ? AND name = ?",
                                      [.text(key.group), .text(key.kind), .text(key.namespace), .text(key.name)])
        guard let text = rows.first?.first?.text else { return nil }
        return try JSON.parse(text)
    }

    /// Every object, sorted by key.
    public func all() throws -> [(ResourceKey, Value)] {
        try database.query("SELECT grp, kind, ns, name, body FROM objects ORDER BY grp, kind, ns, name").compactMap { row in
            guard let body = row[4].text else { return nil }
            return (ResourceKey(group: row[0].text ?? "", kind: row[1].text ?? "", namespace: row[2].text ?? "", name: row[3].text ?? ""), try JSON.parse(body))
        }
    }

    public func list(trackingLabel: String, kinds: Set<GroupKind> = []) throws -> [ResourceKey: Value] {
        var out: [ResourceKey: Value] = [:]
        for row in try database.query("SELECT grp, kind, ns, name, body FROM objects WHERE app = ?", [.text(trackingLabel)]) {
            guard let body = row[4].text else { continue }
            out[ResourceKey(group: row[0].text ?? "", kind: row[1].text ?? "", namespace: row[2].text ?? "", name: row[3].text ?? "")] = try JSON.parse(body)
        }
        return out
    }

    /// An id made when the store was created: a new local cluster is a new cluster; one wiped
    /// in place (a drill's `--wipe`) stays the same.
    public func clusterIdentity() throws -> String? {
        if let knownIdentity { return knownIdentity }
        try database.run("INSERT OR IGNORE INTO settings VALUES ('clusterIdentity', ?)", [.text(Self.uid())])
        knownIdentity = try database.query("SELECT value FROM settings WHERE key = 'clusterIdentity'").first?.first?.text
        return knownIdentity
    }

    public func listNamespace(_ namespace: String) throws -> [ResourceKey: Value] {
        var out: [ResourceKey: Value] = [:]
        for row in try database.query("SELECT grp, kind, ns, name, body FROM objects WHERE ns = ?", [.text(namespace)]) {
            guard let body = row[4].text else { continue }
            out[ResourceKey(group: row[0].text ?? "", kind: row[1].text ?? "", namespace: row[2].text ?? "", name: row[3].text ?? "")] = try JSON.parse(body)
        }
        return out
    }

    // MARK: Writing

    @discardableResult
    public func apply(_ object: Value, replace: Bool = false) throws -> Value {
        guard var key = ResourceKey(object: object), case .object(var body) = object else {
            throw SpokeError("an object needs apiVersion, kind and metadata.name")
        }
        if Self.isClusterScoped(key) {
            key.namespace = ""
        } else {
            if key.namespace.isEmpty { key.namespace = "default" }
            guard try get(ResourceKey(group: "", kind: "Namespace", namespace: "", name: key.namespace)) != nil || key.namespace == "default" else {
                throw SpokeError("namespaces \"\(key.namespace)\" not found (applying \(key))")
            }
        }
        let now = clock()
        let existing = try get(key)
        var metadata = body["metadata"]?.objectValue ?? [:]
        if !Self.isClusterScoped(key) { metadata["namespace"] = .string(key.namespace) }
        body["status"] = nil
        var changedAt = now
        if let existing {
            metadata["uid"] = existing["metadata"]?["uid"] ?? .string(Self.uid())
            metadata["creationTimestamp"] = existing["metadata"]?["creationTimestamp"] ?? .string(Timestamp.rfc3339(now))
            var generation = existing["metadata"]?["generation"]?.intValue ?? 1
            if existing["spec"] != body["spec"] { generation += 1 } else if let previous = try changedTime(key) { changedAt = previous }
            metadata["generation"] = .int(generation)
            if !replace, let status = existing["status"] { body["status"] = status }
        } else {
            metadata["uid"] = .string(Self.uid())
            metadata["creationTimestamp"] = .string(Timestamp.rfc3339(now))
            metadata["generation"] = .int(1)
        }
        metadata["resourceVersion"] = .string(String(try nextResourceVersion()))
        body["metadata"] = .object(metadata)
        let stored = Value.object(body)
        try write(key, stored, changedAt: changedAt)
        return stored
    }

    private func changedTime(_ key: ResourceKey) throws -> Double? {
        try database.query("SELECT changedAt FROM objects WHERE grp = ? AND kind = ? AND ns = ? AND name = ?",
                           [.text(key.group), .text(key.kind), .text(key.namespace), .text(key.name)]).first?.first?.double
    }

    private func write(_ key: ResourceKey, _ object: Value, changedAt: Double) throws {
        try database.run("""
            INSERT INTO objects (grp, kind, ns, name, body, changedAt, app, settled) VALUES (?, ?, ?, ?, ?, ?, ?, 0)
            ON CONFLICT (grp, kind, ns, name) DO UPDATE SET body = excluded.body, changedAt = excluded.changedAt, app = excluded.app, settled = 0
            """, [.text(key.group), .text(key.kind), .text(key.namespace), .text(key.name), .text(JSON.encode(object, options: [.sortedKeys])), .real(changedAt),
                  object["metadata"]?["labels"]?[PlanFormat.applicationLabel]?.stringValue.map(SQLiteValue.text) ?? .null])
    }

    public func delete(_ key: ResourceKey, propagation: DeletePropagation) throws {
        if key.kind == "Namespace" {
            try database.run("DELETE FROM objects WHERE ns = ?", [.text(key.name)])
        }
        try database.run("DELETE FROM objects WHERE grp = ? AND kind = ? AND ns = ? AND name = ?",
                         [.text(key.group), .text(key.kind), .text(key.namespace), .text(key.name)])
    }

    public func ensureNamespace(_ name: String) throws {
        guard try get(ResourceKey(group: "", kind: "Namespace", namespace: "", name: name)) == nil else { return }
        try apply(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]])
    }

    /// Replaces an object exactly as given (a hand edit: `spoke local edit`), keeping what
    /// the server owns. The agent sees the difference as drift.
    public func edit(_ key: ResourceKey, _ change: (inout Value) throws -> Void) throws {
        guard var object = try get(key) else { throw SpokeError("\(key) does not exist") }
        let before = object["spec"]
        try change(&object)
        if object["spec"] != before {
            object.setValue(.int((object["metadata"]?["generation"]?.intValue ?? 1) + 1), at: ["metadata", "generation"])
        }
        object.setValue(.string(String(try nextResourceVersion())), at: ["metadata", "resourceVersion"])
        try write(key, object, changedAt: clock())
    }

    /// Deletes every object: a lost cluster.
    public func wipe() throws {
        try database.run("DELETE FROM objects")
    }

    public func wipeForDrill() throws -> Int {
        let count = try database.query("SELECT COUNT(*) FROM objects").first?.first?.int ?? 0
        try wipe()
        return count
    }

    static func uid() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef")
        let groups = [8, 4, 4, 4, 12].map { count in String((0..<count).map { _ in hex[Int.random(in: 0..<16, using: &generator)] }) }
        return groups.joined(separator: "-")
    }

    // MARK: The simulated controller

    /// Fills the status of workloads the way their controllers would: ready `readyDelay`
    /// seconds after their last spec change, unless a container image is listed as failing.
    public func advance(now: Double) throws {
        let rows = try database.query("SELECT grp, kind, ns, name, body, changedAt FROM objects WHERE settled = 0")
        guard !rows.isEmpty else { return }
        try database.transaction { try settle(rows, now: now) }
    }

    private func settle(_ rows: [[SQLiteValue]], now: Double) throws {
        for row in rows {
            guard let text = row[4].text, var object = try? JSON.parse(text), let changedAt = row[5].double else { continue }
            let key = ResourceKey(group: row[0].text ?? "", kind: row[1].text ?? "", namespace: row[2].text ?? "", name: row[3].text ?? "")
            let settled = now - changedAt >= readyDelay * 3 + 1
            let status = simulatedStatus(object, ready: now - changedAt >= readyDelay, overdue: settled)
            let changed = object["status"] != status
            if changed { object.setValue(status, at: ["status"]) }
            guard changed || settled else { continue }
            try database.run("UPDATE objects SET body = ?, settled = ? WHERE grp = ? AND kind = ? AND ns = ? AND name = ?",
                             [.text(JSON.encode(object, options: [.sortedKeys])), .integer(settled ? 1 : 0), .text(key.group), .text(key.kind), .text(key.namespace), .text(key.name)])
        }
    }

    private func images(_ object: Value) -> [String] {
        let spec = object["kind"]?.stringValue == "Pod" ? object["spec"] : object["spec"]?["template"]?["spec"]
        return ((spec?["containers"]?.arrayValue ?? []) + (spec?["initContainers"]?.arrayValue ?? [])).compactMap { $0["image"]?.stringValue }
    }

    func simulatedStatus(_ object: Value, ready: Bool, overdue: Bool) -> Value? {
        let generation = object["metadata"]?["generation"]?.intValue ?? 1
        let failing = images(object).contains { failingImages.contains($0) }
        let replicas = object["spec"]?["replicas"]?.intValue ?? 1
        let up = ready && !failing
        switch object["kind"]?.stringValue ?? "" {
        case "Deployment":
            var status: ValueObject = ["observedGeneration": .int(generation), "replicas": .int(replicas), "updatedReplicas": .int(replicas)]
            status["readyReplicas"] = .int(up ? replicas : 0)
            status["availableReplicas"] = .int(up ? replicas : 0)
            if failing && overdue {
                status["conditions"] = [["type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                         "message": .string("ReplicaSet has timed out progressing: image \(images(object).first { failingImages.contains($0) } ?? "") does not start")]]
            }
            return .object(status)
        case "StatefulSet":
            return ["observedGeneration": .int(generation), "replicas": .int(replicas), "readyReplicas": .int(up ? replicas : 0),
                    "updatedReplicas": .int(replicas), "currentRevision": .string("r\(generation)"), "updateRevision": .string("r\(generation)")]
        case "ReplicaSet":
            return ["observedGeneration": .int(generation), "replicas": .int(replicas), "availableReplicas": .int(up ? replicas : 0)]
        case "DaemonSet":
            return ["observedGeneration": .int(generation), "desiredNumberScheduled": 1, "updatedNumberScheduled": 1, "numberAvailable": .int(up ? 1 : 0)]
        case "Job":
            if failing && overdue { return ["conditions": [["type": "Failed", "status": "True", "message": "BackoffLimitExceeded"]]] }
            return up ? ["conditions": [["type": "Complete", "status": "True"]], "succeeded": 1] : ["active": 1]
        case "Pod":
            // A pod that is not restarted runs to completion (hooks, one-off tasks); others keep running.
            let completes = ["Never", "OnFailure"].contains(object["spec"]?["restartPolicy"]?.stringValue ?? "Always")
            if failing && overdue { return ["phase": "Failed", "message": "container image does not start"] }
            guard up else { return ["phase": "Pending"] }
            return completes ? ["phase": "Succeeded"] : ["phase": "Running", "conditions": [["type": "Ready", "status": "True"]]]
        case "PersistentVolumeClaim":
            return ["phase": "Bound"]
        case "Service":
            guard object["spec"]?["type"]?.stringValue == "LoadBalancer" else { return object["status"] }
            return ["loadBalancer": ["ingress": [["ip": "127.0.0.1"]]]]
        case "Ingress":
            return ["loadBalancer": ["ingress": [["ip": "127.0.0.1"]]]]
        default:
            return object["status"]
        }
    }
}
