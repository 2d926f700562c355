import Dispatch
import FleetGit
import FleetHTTPClient
import FleetModel
import FleetRender

/// Kustomize remote bases for renders: a bare mirror per repository URL in a cache directory,
/// each fetched at most once in the cache's lifetime (one `fleet build`, one planning round of
/// the hub), and a tree per commit, shared by every render that names it. A ref that names a
/// commit already in the mirror is served without the network when a fetch fails; anything
/// else that cannot be fetched is an error naming the URL.
///
/// libgit2 handles are not thread-safe: every operation runs on one serial queue.
public final class RemoteBaseCache: RemoteResolver, @unchecked Sendable {
    // @unchecked: the mutable state is only touched on `queue`.
    public let cacheDirectory: String
    private let offline: Bool
    private let options: @Sendable (String) -> GitRemoteOptions
    private let httpConfiguration: HTTPClientConfiguration
    private let queue = DispatchQueue(label: "fleet.remote-bases")
    private var repositories: [String: GitRepository] = [:]
    private var fetchErrors: [String: GitError] = [:]
    private var trees: [String: GitTreeSnapshot] = [:]
    private var files: [String: [UInt8]] = [:]

    /// - Parameters:
    ///   - offline: never touch the network; serve what the mirrors hold.
    ///   - options: the credentials (and TLS/SSH settings) for a repository URL.
    public init(cacheDirectory: String, offline: Bool = false,
                options: @escaping @Sendable (String) -> GitRemoteOptions = { _ in GitRemoteOptions(transferTimeout: .seconds(120)) },
                httpConfiguration: HTTPClientConfiguration = HTTPClientConfiguration()) {
        self.cacheDirectory = cacheDirectory
        self.offline = offline
        self.options = options
        self.httpConfiguration = httpConfiguration
    }

    public func tree(repository url: String, ref: String) throws -> FileTree {
        try queue.sync { () throws -> FileTree in
            let key = url + "@" + ref
            if let tree = trees[key] { return tree }
            let repository = try mirror(url)
            let commit: GitObjectID
            do {
                commit = try repository.resolveCommit(ref)
            } catch let error as GitError {
                if let fetchError = fetchErrors[url] {
                    throw RepositoryError("cannot fetch \(url): \(fetchError.message)")
                }
                throw RepositoryError("\(url): \(error.message)")
            }
            // A moving ref (branch, tag, HEAD) is only trusted from a fresh fetch.
            if let fetchError = fetchErrors[url], GitObjectID(hex: ref) == nil {
                throw RepositoryError("cannot fetch \(url) (ref \(ref.isEmpty ? "HEAD" : ref)): \(fetchError.message)")
            }
            let snapshot = try repository.snapshot(at: commit)
            trees[key] = snapshot
            return snapshot
        }
    }

    public func file(url: String) throws -> [UInt8] {
        try queue.sync { () throws -> [UInt8] in
            if let bytes = files[url] { return bytes }
            guard !offline else { throw RepositoryError("\(url): offline, and remote files are not cached between runs") }
            let response = try HTTPClient(configuration: httpConfiguration).send(HTTPRequest(url: url)).checked(url: url)
            files[url] = response.body
            return response.body
        }
    }

    /// The mirror of `url`, fetched once (created on first use).
    private func mirror(_ url: String) throws -> GitRepository {
        if let repository = repositories[url] { return repository }
        let path = cacheDirectory + "/" + GitMirror.directoryName(for: url)
        let repository = try GitRepository.mirror(url: url, at: path)
        if !offline {
            do {
                try repository.fetch(options: options(url))
            } catch {
                fetchErrors[url] = error
            }
        }
        repositories[url] = repository
        return repository
    }
}
