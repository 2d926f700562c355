import CGit2
import FleetModel

/// The state libgit2's C callbacks reach through their `payload` pointer during one fetch.
///
/// C function pointers cannot capture, so every callback below is a capture-free closure that
/// recovers this object from `payload`. It lives (retained by the caller) for the duration of
/// the `git_remote_fetch` call only.
final class GitRemoteCallbackState {
    let options: GitRemoteOptions
    let deadline: ContinuousClock.Instant?
    var credentialAttempts = 0
    var timedOut = false
    var hostKeyRejected: String?
    var updates: [GitRefUpdate] = []

    init(options: GitRemoteOptions) {
        self.options = options
        self.deadline = options.transferTimeout.map { ContinuousClock.now.advanced(by: $0) }
    }

    static func from(_ payload: UnsafeMutableRawPointer?) -> GitRemoteCallbackState {
        Unmanaged<GitRemoteCallbackState>.fromOpaque(payload!).takeUnretainedValue()
    }

    /// Fills libgit2's callback table with our handlers and `self` as payload.
    func install(into callbacks: inout git_remote_callbacks) {
        callbacks.payload = Unmanaged.passUnretained(self).toOpaque()
        callbacks.credentials = { out, _, usernameFromURL, allowed, payload in
            GitRemoteCallbackState.from(payload).credential(out, usernameFromURL, allowed)
        }
        callbacks.certificate_check = { cert, valid, host, payload in
            GitRemoteCallbackState.from(payload).checkCertificate(cert, valid != 0, host.map { String(cString: $0) } ?? "")
        }
        callbacks.transfer_progress = { stats, payload in
            GitRemoteCallbackState.from(payload).progress(stats)
        }
        callbacks.update_tips = { name, old, new, payload in
            let state = GitRemoteCallbackState.from(payload)
            let before = GitObjectID(old).flatMap { $0.isZero ? nil : $0 }
            let after = GitObjectID(new).flatMap { $0.isZero ? nil : $0 }
            state.updates.append(GitRefUpdate(name: name.map { String(cString: $0) } ?? "", old: before, new: after))
            return 0
        }
    }

    private func credential(_ out: UnsafeMutablePointer<UnsafeMutablePointer<git_credential>?>?, _ usernameFromURL: UnsafePointer<CChar>?, _ allowed: UInt32) -> Int32 {
        credentialAttempts += 1
        // libgit2 asks again after a rejected credential; answering again would loop forever.
        if credentialAttempts > 1 {
            git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), "authentication failed: the remote rejected the configured credentials")
            return GIT_EAUTH.rawValue
        }
        let urlUser = usernameFromURL.map { String(cString: $0) }
        func allows(_ type: git_credential_t) -> Bool { allowed & type.rawValue != 0 }
        switch options.credentials {
        case .none:
            git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), "authentication required but no credentials are configured for this URL")
            return GIT_EAUTH.rawValue
        case .userPassword(let username, let password):
            guard allows(GIT_CREDENTIAL_USERPASS_PLAINTEXT) else { return wrongType("a username and password", allowed) }
            return git_credential_userpass_plaintext_new(out, username, password)
        case .token(let token):
            guard allows(GIT_CREDENTIAL_USERPASS_PLAINTEXT) else { return wrongType("an access token", allowed) }
            return git_credential_userpass_plaintext_new(out, urlUser ?? "x-access-token", token)
        case .sshKey(let username, let privateKey, let publicKey, let passphrase):
            if allows(GIT_CREDENTIAL_USERNAME) && !allows(GIT_CREDENTIAL_SSH_KEY) {
                return git_credential_username_new(out, urlUser ?? username)
            }
            guard allows(GIT_CREDENTIAL_SSH_KEY) else { return wrongType("an SSH key", allowed) }
            return git_credential_ssh_key_new(out, urlUser ?? username, publicKey, privateKey, passphrase)
        case .sshAgent(let username):
            if allows(GIT_CREDENTIAL_USERNAME) && !allows(GIT_CREDENTIAL_SSH_KEY) {
                return git_credential_username_new(out, urlUser ?? username)
            }
            guard allows(GIT_CREDENTIAL_SSH_KEY) else { return wrongType("ssh-agent", allowed) }
            return git_credential_ssh_key_from_agent(out, urlUser ?? username)
        }
    }

    private func wrongType(_ configured: String, _ allowed: UInt32) -> Int32 {
        let wants = allowed & GIT_CREDENTIAL_SSH_KEY.rawValue != 0 ? "an SSH key" : "a username and password or token"
        git_error_set_str(Int32(GIT_ERROR_CALLBACK.rawValue), "authentication failed: the remote wants \(wants) but \(configured) is configured")
        return GIT_EAUTH.rawValue
    }

    private func checkCertificate(_ cert: UnsafeMutablePointer<git_cert>?, _ valid: Bool, _ host: String) -> Int32 {
        guard let cert else { return GIT_PASSTHROUGH.rawValue }
        if cert.pointee.cert_type == GIT_CERT_HOSTKEY_LIBSSH2 {
            let pins = options.sshHostKeyFingerprints
            guard !pins.isEmpty else { return 0 }
            let hostkey = UnsafeMutableRawPointer(cert).assumingMemoryBound(to: git_cert_hostkey.self).pointee
            guard hostkey.type.rawValue & GIT_CERT_SSH_SHA256.rawValue != 0 else {
                hostKeyRejected = "\(host) offered no SHA-256 host key fingerprint"
                git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), "host key check failed: \(hostKeyRejected!)")
                return GIT_ECERTIFICATE.rawValue
            }
            let digest = withUnsafeBytes(of: hostkey.hash_sha256) { Array($0) }
            let fingerprint = "SHA256:" + Base64.encode(digest).replacing("=", with: "")
            if pins.contains(fingerprint) { return 0 }
            hostKeyRejected = "\(host) presented \(fingerprint), which is not among the pinned fingerprints"
            git_error_set_str(Int32(GIT_ERROR_SSH.rawValue), "host key check failed: \(hostKeyRejected!)")
            return GIT_ECERTIFICATE.rawValue
        }
        if options.insecureSkipTLSVerify { return 0 }
        if valid { return 0 }
        git_error_set_str(Int32(GIT_ERROR_SSL.rawValue), "TLS certificate of \(host) is not trusted")
        return GIT_ECERTIFICATE.rawValue
    }

    private func progress(_ stats: UnsafePointer<git_indexer_progress>?) -> Int32 {
        if let deadline, ContinuousClock.now > deadline {
            timedOut = true
            git_error_set_str(Int32(GIT_ERROR_NET.rawValue), "transfer timed out")
            return -1
        }
        if let stats, let report = options.progress {
            report(Int(stats.pointee.received_objects), Int(stats.pointee.total_objects), Int(stats.pointee.received_bytes))
        }
        return 0
    }
}
