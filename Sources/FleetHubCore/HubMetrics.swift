import Prometheus

/// The hub's Prometheus metrics, on a registry of its own (no global state, so tests can run
/// several hubs in one process). `/metrics` emits `registry`.
public final class HubMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    let fetchDuration: DurationHistogram
    let fetchFailures: Counter
    let planDuration: DurationHistogram
    let planRounds: Counter
    let plansServed: Counter
    let notModified: Counter
    let longPollsOpen: Gauge
    let reportsReceived: Counter
    let reportsRejected: Counter
    public let webhooks: Counter

    public init() {
        let buckets: [Duration] = [.milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                   .seconds(1), .seconds(2), .seconds(5), .seconds(10), .seconds(30), .seconds(60)]
        fetchDuration = registry.makeDurationHistogram(descriptor: Self.describe("fleet_hub_git_fetch_duration_seconds", "Time to fetch a repository"), buckets: buckets)
        fetchFailures = registry.makeCounter(descriptor: Self.describe("fleet_hub_git_fetch_failures_total", "Repository fetches that failed"))
        planDuration = registry.makeDurationHistogram(descriptor: Self.describe("fleet_hub_plan_compile_duration_seconds", "Time to generate, render and compile all plans"), buckets: buckets)
        planRounds = registry.makeCounter(descriptor: Self.describe("fleet_hub_plan_rounds_total", "Planning rounds run"))
        plansServed = registry.makeCounter(descriptor: Self.describe("fleet_hub_plans_served_total", "Plans sent to spokes (200 responses)"))
        notModified = registry.makeCounter(descriptor: Self.describe("fleet_hub_plans_not_modified_total", "Plan requests answered 304 Not Modified"))
        longPollsOpen = registry.makeGauge(descriptor: Self.describe("fleet_hub_long_polls_open", "Plan long-polls waiting now"))
        reportsReceived = registry.makeCounter(descriptor: Self.describe("fleet_hub_reports_received_total", "Spoke status reports accepted"))
        reportsRejected = registry.makeCounter(descriptor: Self.describe("fleet_hub_reports_rejected_total", "Spoke status reports refused (invalid, oversized, duplicate)"))
        webhooks = registry.makeCounter(descriptor: Self.describe("fleet_hub_webhooks_total", "Push webhooks accepted"))
    }

    static func describe(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }

    /// Per-cluster and per-status gauges, set from the engine's state just before emitting.
    func setClusterAges(_ ages: [String: Double]) {
        for (cluster, age) in ages {
            registry.makeGauge(descriptor: Self.describe("fleet_hub_cluster_last_seen_seconds", "Seconds since the cluster's spoke last reported"),
                               labels: [("cluster", cluster)]).set(age)
        }
    }

    func setApplicationCounts(_ counts: [String: [String: Int]]) {
        for (kind, values) in counts {
            for (status, count) in values {
                registry.makeGauge(descriptor: Self.describe("fleet_hub_applications_by_\(kind)", "Applications by \(kind) status"),
                                   labels: [(kind, status)]).set(Double(count))
            }
        }
    }
}
