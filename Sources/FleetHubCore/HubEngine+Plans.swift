import FleetHubStore
import FleetModel
import FleetProtocol
import FleetPlan
import Foundation

/// Publishing plans: the planner's plan for each cluster, plus pending sync requests and an
/// open drill, in the signed envelope spokes check (generation, times, commit).
extension HubEngine {
    /// Builds each cluster's served plan, signs, stores and announces the ones whose desired
    /// state changed; returns their clusters. A plan over `limits.maxPlanBytes` is not
    /// published: the cluster keeps its last one and the problem is logged and audited.
    @discardableResult
    func republish(commit: String) -> [String] {
        var changed: [StoredPlan] = []
        var served: [ServedPlan] = []
        let plans = board.all()
        let now = Date()
        let issuedAt = Self.timestamp(now)
        for (cluster, base) in basePlans.sorted(by: { $0.key < $1.key }) {
            let (pending, drill) = ledger.standing(for: cluster)
            var document: Plan?
            var id = base.id
            if !pending.isEmpty || drill != nil {
                guard var plan = try? Plan(json: base.json) else { continue }
                plan.syncRequests = pending
                plan.drill = drill
                id = PlanDocument.seal(plan.value).id
                document = plan
            }
            guard plans[cluster]?.id != id else { continue }
            let generation = Self.nextGeneration(after: plans[cluster]?.generation, now: now)
            let json: [UInt8]
            if var document {
                document.generation = Int(generation)
                document.issuedAt = issuedAt
                document.fleetCommit = commit
                document.committedAt = fleetCommitTime
                json = PlanDocument.seal(document.value).json
            } else {
                // The common case: the planner's canonical bytes with the envelope spliced in
                // (the same bytes a parse and re-encode would give, without either).
                let envelope = Plan.envelope(generation: Int(generation), issuedAt: issuedAt, fleetCommit: commit, committedAt: fleetCommitTime)
                guard let spliced = CanonicalJSONObject.setting(envelope, in: base.json) else { continue }
                json = spliced
            }
            guard json.count <= config.maxPlanBytes else {
                refuseOversized(cluster: cluster, bytes: json.count)
                continue
            }
            let body = Data(json)
            guard let signature = try? signer.sign(body) else { continue }
            changed.append(StoredPlan(cluster: cluster, id: id, generation: generation, body: body, signature: signature, fleetCommit: commit, createdAt: now))
            served.append(ServedPlan(cluster: cluster, id: id, generation: generation, body: body, signature: signature, fleetCommit: commit))
        }
        // Served first, then stored: the long-polls answer while the round is written. A plan
        // served but not stored (the store failing, the hub killed in between) is planned
        // again from Git at the next start, with a higher generation (never below the clock).
        board.install(served)
        do {
            try database.recordPlans(changed)
        } catch {
            logger.error("cannot store plans", metadata: ["error": "\(error)"])
        }
        return changed.map(\.cluster)
    }

    /// A generation strictly above the last one, and never below the wall clock in
    /// milliseconds: a hub restored from an older backup (same signing key) still issues
    /// generations above everything it issued before.
    static func nextGeneration(after last: Int64?, now: Date) -> Int64 {
        max((last ?? 0) + 1, Int64(now.timeIntervalSince1970 * 1000))
    }

    private func refuseOversized(cluster: String, bytes: Int) {
        oversizedPlans[cluster] = bytes
        let message = "the plan for \(cluster) is \(bytes) bytes, more than limits.maxPlanBytes (\(config.maxPlanBytes)); the cluster keeps plan \(board.plan(for: cluster)?.id ?? "none")"
        logger.error("plan too large", metadata: ["cluster": "\(cluster)", "bytes": "\(bytes)"])
        _ = try? database.recordEvent(kind: "plan-too-large", actor: "hub", subject: cluster, message: message)
    }
}
