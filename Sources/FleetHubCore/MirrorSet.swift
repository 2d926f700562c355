import FleetAppSet
import FleetGit
import FleetModel

/// The hub's bare mirrors, one per repository URL, as the `RepositoryProvider` the planner
/// reads: revisions resolve in the mirror (fetched by the sync loop), trees are read from the
/// object database. Aliases of the fleet repository map to its mirror; the fleet repository's
/// `path` (a subdirectory) applies to it.
///
/// Not thread-safe: the hub uses it from its one planning queue only (libgit2 handles must not
/// be shared between threads anyway).
public final class MirrorSet: RepositoryProvider {
    public let config: HubConfig
    let cacheDirectory: String
    private var repositories: [String: GitRepository] = [:]
    private var trees: [String: RepositorySnapshot] = [:]
    /// URLs fetched in the current round (each repository once per poll or webhook).
    private var fetchedThisRound = Set<String>()
    /// Every URL the planner has read, so the sync loop fetches them all.
    public private(set) var knownURLs = Set<String>()
    /// The last fetch error per URL (kept until a fetch succeeds).
    public private(set) var fetchErrors: [String: String] = [:]
    /// How long each fetch of the current round took, in seconds.
    public private(set) var fetchSeconds: [String: Double] = [:]

    public init(config: HubConfig) {
        self.config = config
        cacheDirectory = config.stateDirectory + "/repos"
    }

    /// The first spelling seen of each repository (by `RepositoryURL.normalized`).
    private var spellings: [String: String] = [:]

    /// The URL whose mirror serves `url`: the fleet repository for itself and its aliases in
    /// any spelling Argo CD would take as the same (`.git`, case, scp-like SSH), else the first
    /// spelling seen of that repository, so one repository is one mirror.
    public func canonical(_ url: String) -> String {
        if config.isFleetRepository(url) { return config.repositoryURL }
        let key = RepositoryURL.normalized(url)
        if let first = spellings[key] { return first }
        spellings[key] = url
        return url
    }

    /// Starts a new round: every repository may be fetched once again.
    public func beginRound() {
        fetchedThisRound.removeAll()
        fetchSeconds.removeAll()
    }

    /// Fetches a repository (at most once per round); returns whether refs moved. Errors are
    /// recorded and rethrown; the mirror keeps what it had.
    @discardableResult
    public func fetch(_ url: String) throws -> Bool {
        let url = canonical(url)
        knownURLs.insert(url)
        guard fetchedThisRound.insert(url).inserted else { return false }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            let repository = try mirror(url)
            let updates = try repository.fetch(options: config.remoteOptions(for: url))
            fetchErrors[url] = nil
            let elapsed = clock.now - start
            fetchSeconds[url] = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return !updates.isEmpty
        } catch {
            fetchErrors[url] = "\(error)"
            throw error
        }
    }

    private func mirror(_ url: String) throws -> GitRepository {
        if let existing = repositories[url] { return existing }
        let path = cacheDirectory + "/" + GitMirror.directoryName(for: url)
        let repository = try GitRepository.mirror(url: url, at: path)
        repositories[url] = repository
        return repository
    }

    /// The commit the fleet branch is at in the mirror.
    public func fleetCommit() throws -> String {
        try mirror(config.repositoryURL).resolveCommit(config.branch).hex
    }

    public func commitInfo(_ url: String, _ commit: String) throws -> GitCommitInfo? {
        guard let id = GitObjectID(hex: commit) else { return nil }
        return try mirror(canonical(url)).commitInfo(id)
    }

    public func snapshot(repoURL: String, revision: String) throws -> RepositorySnapshot {
        let url = canonical(repoURL)
        knownURLs.insert(url)
        if !fetchedThisRound.contains(url) && repositories[url] == nil {
            // First sight of a repository (an Application's source): fetch it now.
            try fetch(url)
        }
        let repository = try mirror(url)
        var wanted = revision.isEmpty ? "HEAD" : revision
        if url == config.repositoryURL && wanted == "HEAD" { wanted = config.branch }
        let commit = try repository.resolveCommit(wanted)
        let key = url + "@" + commit.hex
        if let cached = trees[key] { return cached }
        var tree: FileTree = try repository.snapshot(at: commit)
        if url == config.repositoryURL, !config.repositoryPath.isEmpty {
            tree = SubtreeFileTree(base: tree, prefix: config.repositoryPath)
        }
        let snapshot = RepositorySnapshot(tree: tree, commit: commit.hex)
        if trees.count > 64 { trees.removeAll() }
        trees[key] = snapshot
        return snapshot
    }

    public func changedPaths(repoURL: String, from: String, to: String) throws -> [String]? {
        let url = canonical(repoURL)
        guard let old = GitObjectID(hex: from), let new = GitObjectID(hex: to) else { return nil }
        let changed = try mirror(url).changedPaths(from: old, to: new)
        if url == config.repositoryURL, !config.repositoryPath.isEmpty {
            let prefix = config.repositoryPath + "/"
            return changed.compactMap { $0.hasPrefix(prefix) ? String($0.dropFirst(prefix.count)) : nil }
        }
        return changed
    }
}
