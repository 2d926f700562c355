import Dispatch

/// A bare mirror of one remote repository in a cache directory, used from async code.
///
/// libgit2 calls block on disk and network, and a repository handle must not be used from two
/// threads at once. Each mirror therefore owns a serial dispatch queue: every operation runs
/// there, off Swift's cooperative thread pool, one at a time. Several mirrors fetch in
/// parallel on their own queues.
public final class GitMirror: @unchecked Sendable {
    // @unchecked: `repository` is only read and written on `queue`.
    public let url: String
    public let path: String
    private let queue: DispatchQueue
    private var repository: GitRepository?

    /// A mirror of `url` under `cacheDirectory`, in a directory named after the URL.
    public init(url: String, cacheDirectory: String) {
        self.url = url
        self.path = cacheDirectory + "/" + GitMirror.directoryName(for: url)
        self.queue = DispatchQueue(label: "fleet.git.\(GitMirror.directoryName(for: url))")
    }

    /// A readable, collision-free directory name for a URL: its host and path with unsafe
    /// characters replaced, plus a hash of the full URL.
    public static func directoryName(for url: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in url.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100000001b3
        }
        let stripped = url.split(separator: "/").filter { !$0.hasSuffix(":") }.joined(separator: "_")
        let safe = String(stripped.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." ? $0 : "_" }.suffix(60))
        return safe + "-" + String(hash, radix: 16)
    }

    /// Fetches the remote into the mirror (creating it on first use) and returns the moved refs.
    public func fetch(options: GitRemoteOptions = GitRemoteOptions()) async throws -> [GitRefUpdate] {
        try await withRepository { try $0.fetch(options: options) }
    }

    /// Runs `body` with the mirror's repository on the mirror's queue.
    public func withRepository<T: Sendable>(_ body: @escaping @Sendable (GitRepository) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                do {
                    let repository = try self.openRepository()
                    continuation.resume(returning: try body(repository))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private func openRepository() throws(GitError) -> GitRepository {
        if let repository { return repository }
        let opened = try GitRepository.mirror(url: url, at: path)
        repository = opened
        return opened
    }
}
