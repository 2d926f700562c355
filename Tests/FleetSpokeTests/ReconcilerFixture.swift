import FleetModel
import FleetReconcile
import FleetTestSupport
import Foundation

@testable import FleetSpoke

/// The local cluster seen through a shim that records what the spoke applies and deletes, and
/// can refuse an apply (as a server refuses an update of an immutable field).
final class RecordingDriver: SimulatedCluster {
    let inner: LocalCluster
    /// Names applied, in order.
    var applied: [String] = []
    /// Deletions, in order: the name and the propagation policy.
    var deletions: [(name: String, propagation: DeletePropagation)] = []
    /// Returns the error to refuse an apply with, or nil to let it through.
    var refuseApply: (Value, Value?) -> Error? = { _, _ in nil }

    init(_ inner: LocalCluster) { self.inner = inner }

    var deleted: [String] { deletions.map(\.name) }

    func list(trackingLabel: String, kinds: Set<GroupKind>) throws -> [ResourceKey: Value] { try inner.list(trackingLabel: trackingLabel, kinds: kinds) }
    func get(_ key: ResourceKey) throws -> Value? { try inner.get(key) }
    func listNamespace(_ namespace: String) throws -> [ResourceKey: Value] { try inner.listNamespace(namespace) }
    func apply(_ object: Value, replace: Bool) throws -> Value {
        let current = try ResourceKey(object: object).flatMap { try inner.get($0) }
        if let error = refuseApply(object, current) { throw error }
        applied.append(object["metadata"]?["name"]?.stringValue ?? "?")
        return try inner.apply(object, replace: replace)
    }
    func delete(_ key: ResourceKey, propagation: DeletePropagation) throws {
        deletions.append((key.name, propagation))
        try inner.delete(key, propagation: propagation)
    }
    func ensureNamespace(_ name: String) throws { try inner.ensureNamespace(name) }
    func advance(now: Double) throws { try inner.advance(now: now) }
    func wipeForDrill() throws -> Int { try inner.wipeForDrill() }
}

/// A reconciler on a local cluster in a temporary directory, on a fake clock (waits move the
/// clock instead of sleeping), its driver recording every call.
final class ReconcilerFixture {
    let temp: TemporaryDirectory
    let clock = FakeClock()
    let cluster: LocalCluster
    let driver: RecordingDriver
    let reconciler: Reconciler

    init(readyDelay: Double = 0, failingImages: Set<String>? = nil, namespace: String? = nil) throws {
        temp = try TemporaryDirectory()
        let clock = self.clock
        cluster = try LocalCluster(path: temp.file("c.sqlite"), readyDelay: readyDelay, failingImages: failingImages, clock: { clock.now })
        if let namespace { try cluster.ensureNamespace(namespace) }
        driver = RecordingDriver(cluster)
        reconciler = Reconciler(driver: driver, state: try SpokeState(path: temp.file("s.sqlite")), waveTimeout: 30,
                                clock: { clock.now }, sleep: { clock.now += $0 })
    }

    deinit { temp.remove() }

    func exists(_ kind: String, _ name: String, group: String = "") throws -> Bool {
        try cluster.get(ResourceKey(group: group, kind: kind, namespace: "ml", name: name)) != nil
    }
}
