import FleetAppSet
import FleetModel
import FleetRender

/// Rendering Application sources, each once per source and commit, again only when a commit
/// changes what it read (or every round when it read remote bases).
extension FleetPlanner {
    /// Renders one source, from the cache when none of its input files changed since it was
    /// rendered.
    func render(_ source: Value, repoURL: String, snapshot: RepositorySnapshot, rendered: inout Int) -> RenderEntry {
        var options = source.objectValue ?? [:]
        options["targetRevision"] = nil
        let key = SourceKey(repoURL: repoURL, source: .object(options))
        if var cached = renders[key], !Self.readsRemote(cached) || cached.round == round {
            if cached.commit == snapshot.commit { return cached }
            if !snapshot.commit.isEmpty, !cached.commit.isEmpty, case .success(let result) = cached.outcome,
               let changed = try? repositories.changedPaths(repoURL: repoURL, from: cached.commit, to: snapshot.commit),
               !Self.affects(changed, result) {
                cached.commit = snapshot.commit
                renders[key] = cached
                return cached
            }
        }
        rendered += 1
        nextToken += 1
        let outcome: Result<RenderedSource, RenderError>
        do {
            let path = source["path"]?.stringValue ?? ""
            outcome = .success(try WorkDeadline.run(seconds: limits.itemSeconds,
                                                    reason: "rendering \(repoURL) \(path) took longer than \(Self.seconds(limits.itemSeconds))") { () throws(RenderError) in
                try SourceRenderer.render(source, tree: snapshot.tree, remote: remoteResolver)
            })
        } catch {
            outcome = .failure(error)
        }
        let entry = RenderEntry(commit: snapshot.commit, outcome: outcome, token: nextToken, round: round)
        // A render that ran out of time is tried again next round (it may have been the load).
        if case .failure(let error) = outcome, error.kind == .timeLimit { renders[key] = nil } else { renders[key] = entry }
        return entry
    }

    /// Whether a cached render read remote bases, or failed fetching one: either is rendered
    /// again in a later round.
    static func readsRemote(_ entry: RenderEntry) -> Bool {
        switch entry.outcome {
        case .success(let result): return result.usesRemote
        case .failure(let error): return error.kind == .remote
        }
    }

    /// Whether a changed path can change a rendering: a file it read, anything below the
    /// rendered directory, or a file added next to one it read (a new base or patch).
    static func affects(_ changed: [String], _ result: RenderedSource) -> Bool {
        let directories = Set(result.inputs.map(TreePath.directory(of:)))
        let root = result.root.isEmpty ? "" : result.root + "/"
        for path in changed {
            if result.inputs.contains(path) { return true }
            if root.isEmpty || path.hasPrefix(root) { return true }
            if directories.contains(TreePath.directory(of: path)) { return true }
        }
        return false
    }

    static func seconds(_ value: Double?) -> String {
        guard let value else { return "its limit" }
        return value == value.rounded() ? "\(Int(value))s" : "\(value)s"
    }
}
