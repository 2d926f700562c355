/// How many reports, and how many report bytes, each spoke may send: two token buckets per
/// cluster (a burst of a minute's allowance, refilled continuously). Pure: the caller passes
/// the time, so it tests without waiting.
public struct ReportBudget: Sendable {
    public let perMinute: Int
    public let bytesPerMinute: Int
    private var buckets: [String: (reports: Double, bytes: Double, at: Double)] = [:]

    public init(perMinute: Int, bytesPerMinute: Int) {
        self.perMinute = perMinute
        self.bytesPerMinute = bytesPerMinute
    }

    /// Takes one report of `bytes` from the cluster's allowance; nil when it fits, otherwise
    /// the seconds to wait before it would (nothing is taken then).
    public mutating func admit(cluster: String, bytes: Int, now: Double) -> Double? {
        let reportCapacity = Double(perMinute), byteCapacity = Double(bytesPerMinute)
        var bucket = buckets[cluster] ?? (reportCapacity, byteCapacity, now)
        let elapsed = max(0, now - bucket.at)
        bucket.reports = min(reportCapacity, bucket.reports + elapsed * reportCapacity / 60)
        bucket.bytes = min(byteCapacity, bucket.bytes + elapsed * byteCapacity / 60)
        bucket.at = now
        let size = Double(bytes)
        if bucket.reports >= 1 && bucket.bytes >= min(size, byteCapacity) {
            bucket.reports -= 1
            bucket.bytes -= size
            buckets[cluster] = bucket
            return nil
        }
        buckets[cluster] = bucket
        let waitForReport = bucket.reports >= 1 ? 0 : (1 - bucket.reports) * 60 / reportCapacity
        let waitForBytes = bucket.bytes >= min(size, byteCapacity) ? 0 : (min(size, byteCapacity) - bucket.bytes) * 60 / byteCapacity
        return max(waitForReport, waitForBytes)
    }

    /// Forgets a cluster (re-enrolled: a new spoke starts with a full allowance).
    public mutating func reset(cluster: String) { buckets[cluster] = nil }
}
