import FleetModel
import FleetProtocol
import FleetReconcile

/// Resource hooks as Argo CD runs them: each created in its phase (a `generateName` hook under a
/// fresh name every run), waited on until it completes (a Job or Pod to success, anything else
/// to health, up to the wave timeout), and deleted as its policy says: `BeforeHookCreation`
/// (the default) deletes the previous run's object before creating it again, `HookSucceeded`
/// and `HookFailed` delete it once it ended so.
extension Reconciler {
    /// Runs hooks in order; false when one failed (the outcome says which). With `failedSync`
    /// (the SyncFail phase) every hook runs and the sync's failure stands.
    func runHooks(_ hooks: [DesiredResource], phase: HookPhase, into outcome: inout SyncOutcome, failedSync: Bool = false) -> Bool {
        for hook in hooks {
            let run = runHook(hook, phase: phase)
            outcome.hooks.append(run)
            outcome.acted = true
            guard run.status == .succeeded else {
                outcome.failed = true
                outcome.conditions.append(StatusCondition(type: "HookFailed", message: "\(phase.rawValue) hook \(run.resource): \(run.message ?? "failed")"))
                if !failedSync { return false }
                continue
            }
        }
        return true
    }

    private func runHook(_ hook: DesiredResource, phase: HookPhase) -> HookRun {
        var object = hook.object
        var key = hook.key
        let policies = hook.hookDeletePolicies
        if let prefix = hook.generateName {
            key.name = prefix + Self.generatedSuffix()
            object.setValue(.string(key.name), at: ["metadata", "name"])
            object.setValue(nil, at: ["metadata", "generateName"])
        }
        func run(_ status: HookRun.Status, _ message: String?) -> HookRun {
            HookRun(resource: key.description, phase: phase.rawValue, status: status, message: message)
        }
        do {
            if hook.generateName == nil, policies.contains(.beforeHookCreation), try driver.get(key) != nil {
                try driver.delete(key, propagation: .background)
                guard waitGone([key]) else { return run(.failed, "the previous run's object was not deleted within \(Int(waveTimeout))s") }
            }
            try driver.apply(object, replace: false)
        } catch {
            return run(.failed, "\(error)")
        }
        var completion = HookCompletion.running
        _ = waitUntil {
            completion = HookCompletion.assess((try? driver.get(key)) ?? nil)
            return completion != .running
        }
        let result: HookRun
        switch completion {
        case .succeeded: result = run(.succeeded, nil)
        case .failed(let message): result = run(.failed, message)
        case .running: result = run(.failed, "not complete within \(Int(waveTimeout))s")
        }
        if (result.status == .succeeded && policies.contains(.hookSucceeded)) || (result.status == .failed && policies.contains(.hookFailed)) {
            try? driver.delete(key, propagation: .background)
        }
        return result
    }

    /// Five characters as Kubernetes' name generator makes them (consonants and digits).
    static func generatedSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }
}
