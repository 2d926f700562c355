import CGit2

/// Process-wide libgit2 set-up, done once before the first Git call.
///
/// - `git_libgit2_init` is reference-counted; we call it once and never shut down (the process
///   uses Git until it exits).
/// - Owner validation (`safe.directory`) is turned off. libgit2 1.5.1 otherwise refuses a
///   repository owned by another user with the misleading "config value 'safe.directory' was
///   not found". The check protects programs that run hooks or honour repository config; we
///   only read objects and refs, never execute anything from a repository, so it buys nothing
///   here and breaks CI checkouts owned by another uid.
/// - HTTPS uses the system CA bundle unless `useCertificateAuthorities` points elsewhere
///   (libgit2 built on mbedTLS has no default location of its own).
public enum GitLibrary {
    private static let initialized: Bool = {
        git_libgit2_init()
        _ = fleet_git_set_owner_validation(0)
        _ = fleet_git_set_user_agent("fleet-gitops")
        for bundle in ["/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt"] {
            if access(bundle, R_OK) == 0 {
                _ = fleet_git_set_ssl_cert_locations(bundle, nil)
                break
            }
        }
        return true
    }()

    /// Makes sure libgit2 is initialised; every entry point of this module calls it.
    @inline(__always)
    public static func ensureInitialized() {
        _ = initialized
    }

    /// Trusts the CA certificates in `file` (PEM) for every HTTPS remote of this process.
    /// libgit2 keeps one global trust store, so this is process-wide.
    public static func useCertificateAuthorities(file: String) throws {
        ensureInitialized()
        let rc = fleet_git_set_ssl_cert_locations(file, nil)
        if rc < 0 { throw GitError.last(rc, operation: "set CA file", location: file) }
    }

    /// libgit2's version, for `--version` output and bug reports.
    public static var version: String {
        var major: Int32 = 0, minor: Int32 = 0, patch: Int32 = 0
        git_libgit2_version(&major, &minor, &patch)
        return "\(major).\(minor).\(patch)"
    }
}

#if canImport(Glibc)
import Glibc
#endif
