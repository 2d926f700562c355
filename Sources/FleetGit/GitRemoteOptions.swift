/// How to authenticate to a remote. Secrets come from files or the environment at the call
/// site; this type only carries them to libgit2's credential callback.
public enum GitCredentials: Sendable, Equatable {
    /// Anonymous access (public repositories, local paths, `git://`).
    case none
    /// HTTP(S) basic authentication; for hosted Git this is usually a username and an access
    /// token as the password.
    case userPassword(username: String, password: String)
    /// An HTTPS access token. GitHub, GitLab and Gitea accept a token as the password with any
    /// username; we send `x-access-token`, as GitHub documents.
    case token(String)
    /// SSH with a private key file (and optionally its public key and passphrase).
    case sshKey(username: String, privateKeyPath: String, publicKeyPath: String?, passphrase: String?)
    /// SSH through a running ssh-agent.
    case sshAgent(username: String)
}

/// Everything a fetch needs besides the URL.
public struct GitRemoteOptions: Sendable {
    public var credentials: GitCredentials
    /// Accept any TLS certificate. Only for test servers; never the default.
    public var insecureSkipTLSVerify: Bool
    /// SHA-256 fingerprints of trusted SSH host keys, as `ssh-keygen -lf` prints them
    /// (`SHA256:...`). Empty accepts any host key (libgit2 1.5 has no known_hosts support), so
    /// production configs should pin.
    public var sshHostKeyFingerprints: [String]
    /// Abandon a fetch that is still transferring after this long (libgit2 1.5 offers no connect
    /// timeout; the transfer is checked as data arrives).
    public var transferTimeout: Duration?
    /// Called as objects arrive, for progress output: (received objects, total objects, bytes).
    public var progress: (@Sendable (Int, Int, Int) -> Void)?

    public init(credentials: GitCredentials = .none, insecureSkipTLSVerify: Bool = false,
                sshHostKeyFingerprints: [String] = [], transferTimeout: Duration? = nil,
                progress: (@Sendable (Int, Int, Int) -> Void)? = nil) {
        self.credentials = credentials
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.sshHostKeyFingerprints = sshHostKeyFingerprints
        self.transferTimeout = transferTimeout
        self.progress = progress
    }
}

/// A reference a fetch moved: its name and the commits before and after (`nil` when created
/// or deleted).
public struct GitRefUpdate: Equatable, Sendable {
    public var name: String
    public var old: GitObjectID?
    public var new: GitObjectID?
}
