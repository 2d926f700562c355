import CGit2

/// A Git operation that failed: what we were doing, on which repository or URL, what kind of
/// failure it was, and libgit2's own code, class and message.
///
/// `kind` is what callers branch on: authentication and not-found are the user's to fix (no
/// retry), network failures are retried with backoff, a bad revision is a configuration error.
public struct GitError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Equatable, Sendable {
        /// The remote refused our credentials, or wanted some and we had none.
        case authentication
        /// The remote's TLS certificate or SSH host key was not trusted.
        case certificate
        /// Could not reach the remote: DNS, refused connection, reset, timeout.
        case network
        /// The repository, path or object does not exist.
        case notFound
        /// The branch, tag or SHA does not name a commit in the repository.
        case revisionNotFound
        /// The repository data is damaged (a corrupt or missing object).
        case corrupt
        /// Anything else libgit2 reports.
        case other
    }

    public var kind: Kind
    /// What we were doing: "fetch", "resolve revision", "read file".
    public var operation: String
    /// The repository path or remote URL concerned.
    public var location: String
    public var message: String
    /// libgit2's return code (`GIT_ENOTFOUND`, `GIT_EAUTH`...) and error class, 0 when not
    /// from libgit2.
    public var code: Int32
    public var errorClass: Int32

    public init(kind: Kind, operation: String, location: String, message: String, code: Int32 = 0, errorClass: Int32 = 0) {
        self.kind = kind
        self.operation = operation
        self.location = location
        self.message = message
        self.code = code
        self.errorClass = errorClass
    }

    public var description: String {
        var text = "git \(operation) failed for \(location): \(message)"
        switch kind {
        case .authentication:
            text += " (check the credentials configured for this URL)"
        case .certificate:
            text += " (the server's certificate or host key is not trusted; configure a CA file or pin the host key)"
        default: break
        }
        return text
    }

    /// Builds an error from libgit2's thread-local last error; must be called right after the
    /// failing call, on the same thread.
    static func last(_ code: Int32, operation: String, location: String) -> GitError {
        var message = "libgit2 error \(code)"
        var errorClass: Int32 = 0
        if let last = git_error_last(), let text = last.pointee.message {
            message = String(cString: text)
            errorClass = last.pointee.klass
        }
        return GitError(kind: classify(code: code, errorClass: errorClass, message: message),
                        operation: operation, location: location, message: message,
                        code: code, errorClass: errorClass)
    }

    static func classify(code: Int32, errorClass: Int32, message: String) -> Kind {
        let lower = message.lowercased()
        switch code {
        case GIT_EAUTH.rawValue: return .authentication
        case GIT_ECERTIFICATE.rawValue: return .certificate
        default: break
        }
        if lower.contains("401") || lower.contains("authentication") || lower.contains("credentials") || lower.contains("403") {
            return .authentication
        }
        if errorClass == Int32(GIT_ERROR_SSL.rawValue) || lower.contains("certificate") || lower.contains("hostkey") || lower.contains("host key") {
            return .certificate
        }
        if lower.contains("404") || lower.contains("not found") || lower.contains("does not appear to be a git repository")
            || lower.contains("repository not exported") || lower.contains("could not find repository")
            || lower.contains("no such repository") || lower.contains("repository not found") {
            return .notFound
        }
        if code == GIT_ENOTFOUND.rawValue { return .notFound }
        let networkClasses: [git_error_t] = [GIT_ERROR_NET, GIT_ERROR_HTTP, GIT_ERROR_SSH, GIT_ERROR_OS, GIT_ERROR_CALLBACK]
        if networkClasses.contains(where: { Int32($0.rawValue) == errorClass }) || lower.contains("timed out") || lower.contains("connect") {
            return .network
        }
        if errorClass == Int32(GIT_ERROR_ODB.rawValue) || errorClass == Int32(GIT_ERROR_ZLIB.rawValue) || lower.contains("corrupt") {
            return .corrupt
        }
        return .other
    }
}
