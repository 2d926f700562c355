import Dispatch
import FleetFiles
import FleetGit
import FleetHTTPClient
import FleetModel
import FleetPlan
import FleetTemplate
import FleetYAML

/// Charts from Helm chart repositories (index.yaml and `.tgz` over HTTP), for the planner:
/// each repository's index fetched once in the cache's lifetime (one `fleet render`) or once per
/// `indexMaxAge` (the hub keeps one cache), each archive downloaded once and kept on disk under its
/// SHA-256, checked against the index's digest. When the network fails, the index last fetched
/// (kept on disk) still resolves versions, and archives already on disk are served, as a
/// Git mirror serves commits it holds.
public final class HelmRepositoryCache: HelmChartRepositories, @unchecked Sendable {
    // @unchecked: the mutable state is only touched on `queue`.
    public let cacheDirectory: String
    private let offline: Bool
    private let options: @Sendable (String) -> GitRemoteOptions
    private let httpConfiguration: HTTPClientConfiguration
    private let queue = DispatchQueue(label: "fleet.helm-repositories")
    private let indexMaxAge: Double?
    private var indexes: [String: (result: Result<ValueObject, RepositoryError>, fetched: Double)] = [:]

    /// Largest index.yaml read (public indexes run to tens of megabytes).
    public static let maxIndexBytes = 128 << 20
    /// Largest chart archive downloaded (Helm's own limit for a decompressed chart is 100 MiB).
    public static let maxArchiveBytes = 64 << 20

    /// - Parameters:
    ///   - offline: never touch the network; serve the indexes and archives on disk.
    ///   - indexMaxAge: seconds an index is trusted before it is fetched again (nil: for the
    ///     cache's lifetime). Archives never expire: a digest names one content.
    ///   - options: the credentials (and TLS settings) for a repository URL.
    public init(cacheDirectory: String, offline: Bool = false, indexMaxAge: Double? = nil,
                options: @escaping @Sendable (String) -> GitRemoteOptions = { _ in GitRemoteOptions(transferTimeout: .seconds(120)) },
                httpConfiguration: HTTPClientConfiguration = HTTPClientConfiguration(requestTimeout: .seconds(120))) {
        self.cacheDirectory = cacheDirectory
        self.indexMaxAge = indexMaxAge
        self.offline = offline
        self.options = options
        self.httpConfiguration = httpConfiguration
    }

    public func chart(repoURL: String, name: String, version: String) throws -> HelmRepositoryChart {
        try queue.sync { () throws -> HelmRepositoryChart in
            let index = try self.index(repoURL).get()
            guard let versions = index["entries"]?[name]?.arrayValue, !versions.isEmpty else {
                throw RepositoryError("chart \"\(name)\" not found in \(repoURL)")
            }
            let entry = try Self.select(versions, version: version, chart: name, repoURL: repoURL)
            let chosen = entry["version"].flatMap { YAML.plainScalarText($0) ?? $0.stringValue } ?? version
            let expected = entry["digest"].flatMap { YAML.plainScalarText($0) ?? $0.stringValue }?.lowercased()
            if let expected, let cached = try? LocalPaths.read(path(digest: expected), limit: Self.maxArchiveBytes),
               HelmRepositoryChart.digest(of: cached) == expected {
                return HelmRepositoryChart(version: chosen, digest: expected, archive: cached)
            }
            guard let first = entry["urls"]?.arrayValue?.first?.stringValue else {
                throw RepositoryError("chart \(name) \(chosen) in \(repoURL) has no download URL")
            }
            guard !offline else { throw RepositoryError("chart \(name) \(chosen) from \(repoURL) is not in the cache, and the network is off") }
            let url = Self.resolve(first, against: repoURL)
            let bytes = try download(url, limit: Self.maxArchiveBytes, credentialsFor: repoURL)
            let digest = HelmRepositoryChart.digest(of: bytes)
            if let expected, !expected.isEmpty, expected != digest {
                throw RepositoryError("chart \(name) \(chosen) from \(url): digest \(digest) does not match the index's \(expected)")
            }
            try? LocalPaths.makeDirectories(cacheDirectory)
            try? LocalPaths.write(bytes, to: path(digest: digest))
            return HelmRepositoryChart(version: chosen, digest: digest, archive: bytes)
        }
    }

    /// The version `targetRevision` asks for: itself when listed, else the highest version the
    /// constraint admits (prereleases only when the constraint names one, as Argo CD decides
    /// with Masterminds/semver); empty or `*` is the latest stable version.
    static func select(_ versions: [Value], version: String, chart: String, repoURL: String) throws -> Value {
        func text(_ entry: Value) -> String { entry["version"].flatMap { YAML.plainScalarText($0) ?? $0.stringValue } ?? "" }
        if !version.isEmpty, let exact = versions.first(where: { text($0) == version }) { return exact }
        let constraint: SemverConstraint
        do { constraint = try SemverConstraint(version.isEmpty ? "*" : version) } catch {
            throw RepositoryError("chart \(chart) in \(repoURL): no version \(version) (and it is not a version constraint: \(error.message))")
        }
        var best: (SemanticVersion, Value)?
        for entry in versions {
            guard let parsed = SemanticVersion(text(entry)), constraint.check(parsed) else { continue }
            if best == nil || parsed.compare(best!.0) > 0 { best = (parsed, entry) }
        }
        guard let best else { throw RepositoryError("chart \(chart) in \(repoURL): no version matches \(version.isEmpty ? "*" : version)") }
        return best.1
    }

    /// A chart URL from the index: absolute, or relative to the repository URL.
    static func resolve(_ url: String, against repoURL: String) -> String {
        if url.contains("://") { return url }
        return (repoURL.hasSuffix("/") ? repoURL : repoURL + "/") + (url.hasPrefix("/") ? String(url.dropFirst()) : url)
    }

    private func path(digest: String) -> String { cacheDirectory + "/" + digest + ".tgz" }

    private func indexPath(_ repoURL: String) -> String {
        cacheDirectory + "/index-" + HelmRepositoryChart.digest(of: Array(repoURL.utf8)).prefix(16) + ".yaml"
    }

    private func index(_ repoURL: String) -> Result<ValueObject, RepositoryError> {
        let now = SystemClock.monotonic()
        if let cached = indexes[repoURL], indexMaxAge.map({ now - cached.fetched < $0 }) ?? true { return cached.result }
        let result: Result<ValueObject, RepositoryError>
        do {
            let url = Self.resolve("index.yaml", against: repoURL)
            var bytes: [UInt8]
            if offline {
                bytes = try LocalPaths.read(indexPath(repoURL), limit: Self.maxIndexBytes)
            } else {
                do {
                    bytes = try download(url, limit: Self.maxIndexBytes, credentialsFor: repoURL)
                    try? LocalPaths.makeDirectories(cacheDirectory)
                    try? LocalPaths.write(bytes, to: indexPath(repoURL))
                } catch {
                    // The index fetched last time still resolves versions.
                    guard let kept = try? LocalPaths.read(indexPath(repoURL), limit: Self.maxIndexBytes) else { throw error }
                    bytes = kept
                }
            }
            let parsed = try YAML.parse(bytes, source: url, options: YAMLParseOptions(maxBytes: Self.maxIndexBytes))
            guard case .object(let object) = parsed, object["entries"] != nil else {
                throw RepositoryError("\(url) is not a Helm repository index (no entries)")
            }
            result = .success(object)
        } catch let error as RepositoryError {
            result = .failure(error)
        } catch {
            result = .failure(RepositoryError("cannot read the index of \(repoURL): \(error)"))
        }
        indexes[repoURL] = (result, now)
        return result
    }

    private func download(_ url: String, limit: Int, credentialsFor repoURL: String) throws -> [UInt8] {
        var configuration = httpConfiguration
        configuration.maxResponseBytes = limit
        let remote = options(repoURL)
        if remote.insecureSkipTLSVerify { configuration.insecureSkipTLSVerify = true }
        var headers: [(name: String, value: String)] = []
        switch remote.credentials {
        case .userPassword(let username, let password):
            headers.append(("Authorization", "Basic " + Base64.encode(username + ":" + password)))
        case .token(let token):
            headers.append(("Authorization", "Bearer " + token))
        default:
            break
        }
        do {
            return try HTTPClient(configuration: configuration).send(HTTPRequest(url: url, headers: headers)).checked(url: url).body
        } catch {
            throw RepositoryError("cannot fetch \(url): \(error.message)")
        }
    }
}
