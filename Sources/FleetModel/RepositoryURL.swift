/// Repository URLs compared as Argo CD compares them (`git.NormalizeGitURL`): case-insensitive,
/// without a `.git` suffix, and SSH's scp-like form (`git@host:org/repo`) the same as its URL
/// form (`ssh://git@host/org/repo`). A trailing slash is ignored too. So an Application may
/// name the fleet repository, or any other, in whichever spelling its team uses, and still
/// share one mirror, one credential and one webhook with the others.
public enum RepositoryURL {
    public static func normalized(_ url: String) -> String {
        var text = url.trimmingWhitespace().lowercased()
        // Argo CD's sshURLRegex: `^(ssh://)?([^/:]*?)@[^@]+$`.
        let body = text.hasPrefix("ssh://") ? text.dropFirst(6) : Substring(text)
        let isSSH = text.firstIndex(of: "@").map { at in
            !body.prefix(while: { $0 != "@" }).contains { $0 == "/" || $0 == ":" } && !text[text.index(after: at)...].contains("@")
        } ?? false
        if isSSH, !text.hasPrefix("ssh://"), let colon = text.firstIndex(of: ":") {
            text.replaceSubrange(colon...colon, with: "/")
        }
        if isSSH, text.hasPrefix("ssh://") { text.removeFirst(6) }
        while text.hasSuffix("/") && text.count > 1 { text.removeLast() }
        if text.hasSuffix(".git") { text.removeLast(4) }
        return text
    }

    /// Whether two URLs name the same repository.
    public static func same(_ a: String, _ b: String) -> Bool { a == b || normalized(a) == normalized(b) }
}
