import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif
import FleetCommandSupport
import FleetFiles
import FleetGit
import FleetModel
import FleetPlan
import FleetRender
import FleetRepos
import FleetYAML

/// `fleet build DIR`: `kustomize build` semantics, our renderer.
public struct BuildCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Render a kustomization directory, as `kubectl kustomize DIR` does.",
        discussion: """
            Prints the resources as a multi-document YAML stream on stdout, in kustomize's order and format, so the output can be compared with `kubectl kustomize` using diff. Deprecation warnings go to stderr.

            Bases, patches and generator files are read from the directory tree; nothing outside the repository that contains DIR (the enclosing Git work tree, or --root) may be named, symlinks included. Remote bases (github.com/org/repo//path?ref=v1, https://host/repo.git//path, git@host:org/repo//path) are fetched with libgit2 into a cache (--cache-dir) once per run; --offline serves them from the cache only. helmCharts are refused unless --enable-helm, as kubectl refuses them; with it, charts under helmGlobals.chartHome (default charts/) are rendered in-process as helm template renders them (never pulled). Non-builtin plugins are refused with a clear error (see docs/rendering.md).

            With --revision, DIR is rendered as it is at that commit, branch or tag of its Git repository, without checking anything out.

            Exit codes: 0 rendered, 1 render error (the message names the file and line), 2 usage error.
            """
    )

    @Argument(help: "The directory holding kustomization.yaml.")
    public var directory: String

    @Option(name: .long, help: "Directory nothing may be read from outside of (default: the Git work tree containing DIR, or / when there is none).")
    public var root: String?

    @Option(name: .long, help: "Render DIR as it is at this Git revision (branch, tag or SHA) instead of the working copy.")
    public var revision: String?

    @Flag(name: .long, help: "Never fetch remote bases: use what the cache holds (an error names what is missing).")
    public var offline = false

    @Option(name: .long, help: "Where remote bases are mirrored (default: $XDG_CACHE_HOME/fleet/remote-bases, or ~/.cache/fleet/remote-bases).")
    public var cacheDir: String?

    @Flag(name: .customLong("enable-helm"), help: "Render helmCharts (kubectl kustomize --enable-helm), with the in-process Helm engine.")
    public var enableHelm = false

    public init() {}

    public func run() throws {
        let result = try render()
        for warning in result.warnings { printError(warning) }
        print(YAML.emitStream(result.objects, options: .kustomize), terminator: "")
    }

    func render() throws -> RenderResult {
        let absolute = LocalPaths.absolute(directory)
        guard LocalPaths.isDirectory(absolute) else {
            throw CommandFailure("\(directory): no such directory")
        }
        if let revision {
            guard let workTree = LocalPaths.enclosingGitWorkTree(of: absolute) else {
                throw CommandFailure("\(directory) is not inside a Git repository, so --revision cannot be used")
            }
            let repository = try GitRepository.open(at: workTree)
            let snapshot = try repository.snapshot(at: try repository.resolveCommit(revision))
            let relative = String(LocalPaths.realPath(absolute).dropFirst(LocalPaths.realPath(workTree).count)).drop { $0 == "/" }
            return try KustomizeBuilder(tree: snapshot, options: renderOptions()).build(String(relative))
        }
        let rootDirectory = root.map(LocalPaths.absolute) ?? LocalPaths.enclosingGitWorkTree(of: absolute) ?? "/"
        let tree = DirectoryFileTree(root: rootDirectory)
        guard let path = tree.treePath(forDirectory: absolute) else {
            throw CommandFailure("\(directory) is outside the root \(rootDirectory)")
        }
        return try KustomizeBuilder(tree: tree, options: renderOptions()).build(path)
    }

    private func renderOptions() -> RenderOptions {
        let cache = cacheDir.map(LocalPaths.absolute) ?? Self.defaultCacheDirectory()
        return RenderOptions(remote: RemoteBaseCache(cacheDirectory: cache, offline: offline), helm: enableHelm ? HelmKustomizeInflater() : nil)
    }

    static func defaultCacheDirectory(named name: String = "remote-bases") -> String {
        if let xdg = getenv("XDG_CACHE_HOME").map({ String(cString: $0) }), !xdg.isEmpty { return xdg + "/fleet/" + name }
        return (getenv("HOME").map({ String(cString: $0) }) ?? "/tmp") + "/.cache/fleet/" + name
    }
}

/// A command failure with a message for the user (exit 1).
public struct CommandFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
