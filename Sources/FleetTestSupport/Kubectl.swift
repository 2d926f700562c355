import Foundation

/// `kubectl kustomize`, the reference our renderer and YAML emitter are compared against.
public enum Kubectl {
    /// kubectl's path, or nil when it is not installed.
    public static var path: String? { ProcessRunner.which("kubectl") }

    /// Whether the differential tests can run. In CI (`CI=true`) a missing kubectl is a
    /// failure the tests record, not a silent skip.
    public static var isAvailable: Bool { path != nil }

    /// The output of `kubectl kustomize DIR`, or the error text when it fails.
    public static func kustomize(_ directory: String) throws -> ProcessResult {
        guard let path else { throw ProcessFailure(command: "kubectl kustomize", result: ProcessResult(status: 127, stdout: "", stderr: "kubectl not found on PATH")) }
        return try ProcessRunner.run(path, ["kustomize", directory])
    }
}

/// A small deterministic random generator (SplitMix64) so property tests are reproducible:
/// a failure names its seed.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E3779B97F4A7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58476D1CE4E5B9
        z = (z ^ (z >> 27)) &* 0x94D049BB133111EB
        return z ^ (z >> 31)
    }
}

/// A readable account of where two texts first differ (line number and both lines), or nil
/// when they are equal: what a byte-for-byte comparison prints on failure.
public func firstLineDifference(_ ours: String, _ theirs: String, labels: (String, String) = ("ours", "theirs")) -> String? {
    if ours == theirs { return nil }
    let a = ours.split(separator: "\n", omittingEmptySubsequences: false)
    let b = theirs.split(separator: "\n", omittingEmptySubsequences: false)
    var index = 0
    while index < a.count && index < b.count && a[index] == b[index] { index += 1 }
    let left = index < a.count ? String(a[index]) : "<end>"
    let right = index < b.count ? String(b[index]) : "<end>"
    return "first difference at line \(index + 1):\n\(labels.0): \(left)\n\(labels.1): \(right)"
}
