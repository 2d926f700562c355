import FleetModel
import FleetProtocol
import FleetSpoke

extension Reconciler {
    /// One pass over a plan written as a JSON document, reported as `spoke apply` prints it:
    /// the tests state plans and expectations in the wire format.
    func reconcile(plan document: Value, dryRun: Bool = false) throws -> Value {
        try reconcile(plan: Plan(document), dryRun: dryRun).printed(dryRun: dryRun)
    }
}
