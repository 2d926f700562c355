import Foundation
import Synchronization

/// The plans the hub serves, one per cluster, and the long-polls waiting for a new one. Spokes
/// read and wait here without entering the engine: a plan request never queues behind a
/// planning round or the publication of one (the engine installs a round's signed plans in
/// one step, and stores them after).
public final class PlanBoard: Sendable {
    private struct State {
        var plans: [String: ServedPlan] = [:]
        var waiters: [String: [UUID: CheckedContinuation<Void, Never>]] = [:]
    }

    private let state = Mutex(State())
    private let metrics: HubMetrics

    init(metrics: HubMetrics) {
        self.metrics = metrics
    }

    /// The plan served to a cluster.
    public func plan(for cluster: String) -> ServedPlan? { state.withLock { $0.plans[cluster] } }

    /// Every served plan, by cluster.
    public func all() -> [String: ServedPlan] { state.withLock { $0.plans } }

    public var isEmpty: Bool { state.withLock { $0.plans.isEmpty } }

    /// Serves these plans from now on and wakes the long-polls of their clusters.
    func install(_ plans: [ServedPlan]) {
        var woken: [CheckedContinuation<Void, Never>] = []
        state.withLock { state in
            for plan in plans {
                state.plans[plan.cluster] = plan
                if let waiting = state.waiters.removeValue(forKey: plan.cluster) { woken += waiting.values }
            }
        }
        for continuation in woken { continuation.resume() }
    }

    /// The cluster's plan once its ETag differs from `etag`, waiting up to `timeout` for one
    /// (nil: the cluster has no plan yet).
    public func waitForPlan(cluster: String, differentFrom etag: String?, timeout: Duration) async -> ServedPlan? {
        let id = UUID()
        metrics.longPollsOpen.increment()
        defer { metrics.longPollsOpen.decrement() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            // Checked and registered under one lock: a plan installed in between cannot be missed.
            let ready = state.withLock { state -> Bool in
                if let plan = state.plans[cluster], plan.etag != etag { return true }
                state.waiters[cluster, default: [:]][id] = continuation
                return false
            }
            if ready {
                continuation.resume()
                return
            }
            Task { [weak self] in
                try? await Task.sleep(for: timeout)
                self?.expire(cluster: cluster, id: id)
            }
        }
        return plan(for: cluster)
    }

    private func expire(cluster: String, id: UUID) {
        let continuation = state.withLock { $0.waiters[cluster]?.removeValue(forKey: id) }
        continuation?.resume()
    }
}
