import Crypto
import FleetModel

/// A chart version taken from a Helm chart repository: the version chosen (an Application's
/// `targetRevision` may be a constraint) and its packaged bytes, identified by their SHA-256.
public struct HelmRepositoryChart: Sendable {
    public var version: String
    /// The archive's SHA-256, hex: a render of the same digest and options is the same render.
    public var digest: String
    public var archive: [UInt8]

    /// The hex SHA-256 a Helm repository index gives as a chart's `digest`.
    public static func digest(of bytes: [UInt8]) -> String { Hex.encode(SHA256.hash(data: bytes)) }

    public init(version: String, digest: String, archive: [UInt8]) {
        self.version = version
        self.digest = digest
        self.archive = archive
    }
}

/// Where Applications with `spec.source.chart` get their chart (index.yaml and `.tgz` over
/// HTTP in FleetRepos; anything in tests). Implementations bound what they download and say
/// which repository and chart failed.
public protocol HelmChartRepositories: Sendable {
    /// The chart `name` at `version` (an exact version, a semver constraint such as `1.2.*` or
    /// `>=1.0 <2`, or empty/`*` for the latest stable one) from the repository at `repoURL`.
    func chart(repoURL: String, name: String, version: String) throws -> HelmRepositoryChart
}
