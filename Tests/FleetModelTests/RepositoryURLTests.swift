import FleetModel
import Testing

/// Argo CD's `git.NormalizeGitURL`: "lower-cases, trims whitespace, turns the scp-like
/// git@host:path into ssh form and drops a .git suffix", so `SameURL` holds across spellings.
@Suite struct RepositoryURLTests {
    @Test(arguments: [
        ("https://github.com/Example/Fleet.git", "https://github.com/example/fleet"),
        ("https://GitHub.com/example/fleet/", "https://github.com/example/fleet"),
        ("  https://github.com/example/fleet.git/ ", "https://github.com/example/fleet"),
        ("git@github.com:example/fleet.git", "git@github.com/example/fleet"),
        ("ssh://git@github.com/example/fleet", "git@github.com/example/fleet"),
        ("ssh://git@github.com:2222/example/fleet.git", "git@github.com:2222/example/fleet"),
        ("https://user@git.example.com/fleet.git", "https://user@git.example.com/fleet"),
        ("/srv/git/fleet.git", "/srv/git/fleet"),
        ("self", "self"),
    ])
    func normalizesAsArgoCDDoes(_ url: String, _ expected: String) {
        #expect(RepositoryURL.normalized(url) == expected)
    }

    @Test func spellingsOfOneRepositoryAreTheSameAndOthersAreNot() {
        #expect(RepositoryURL.same("git@github.com:example/fleet.git", "ssh://git@github.com/example/fleet"))
        #expect(RepositoryURL.same("https://github.com/example/fleet", "https://github.com/example/fleet.git"))
        #expect(!RepositoryURL.same("https://github.com/example/fleet", "https://github.com/example/fleet-apps"))
        #expect(!RepositoryURL.same("https://github.com/example/fleet", "git@github.com:example/fleet"), "HTTPS and SSH stay apart, as in Argo CD")
    }
}
