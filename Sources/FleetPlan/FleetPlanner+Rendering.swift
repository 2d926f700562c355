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
                try SourceRenderer.render(source, tree: snapshot.tree, remote: remoteResolver, kustomizeHelm: kustomizeEnableHelm ? HelmKustomizeInflater() : nil)
            })
        } catch {
            outcome = .failure(error)
        }
        let entry = RenderEntry(commit: snapshot.commit, outcome: outcome, token: nextToken, round: round)
        // A render that ran out of time is tried again next round (it may have been the load).
        if case .failure(let error) = outcome, error.kind == .timeLimit { renders[key] = nil } else { renders[key] = entry }
        return entry
    }

    /// A Helm source with what its render needs from the Application (release name and
    /// namespace by default) and the `$ref/...` value files read from the Application's `ref`
    /// sources, all in the source, so the render cache tells them apart.
    func helmSource(_ source: Value, application: Value, snapshots: inout [String: RepositorySnapshot]) -> Value {
        guard case .object(var object) = source else { return source }
        var helm = object["helm"]?.objectValue ?? [:]
        helm[HelmSource.releaseKey] = application[path: "metadata", "name"] ?? ""
        helm[HelmSource.namespaceKey] = application[path: "spec", "destination", "namespace"] ?? ""
        var referenced = ValueObject()
        let sources = application[path: "spec", "sources"]?.arrayValue ?? []
        for entry in helm["valueFiles"]?.arrayValue ?? [] {
            guard let name = entry.stringValue, name.hasPrefix("$") else { continue }
            let parts = name.dropFirst().split(separator: "/", maxSplits: 1)
            let refName = parts.first.map(String.init) ?? ""
            guard let ref = sources.first(where: { $0["ref"]?.stringValue == refName }), let repoURL = ref["repoURL"]?.stringValue else {
                referenced[name] = .null
                continue
            }
            let revision = ref["targetRevision"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "HEAD"
            let snapshotKey = repoURL + "\u{0}" + revision
            if snapshots[snapshotKey] == nil { snapshots[snapshotKey] = try? repositories.snapshot(repoURL: repoURL, revision: revision) }
            let path = parts.count > 1 ? TreePath.normalize(String(parts[1])) : nil
            if let tree = snapshots[snapshotKey]?.tree, let path, let bytes = try? tree.readFile(path) {
                referenced[name] = .string(String(decoding: bytes, as: UTF8.self))
            } else {
                referenced[name] = .null
            }
        }
        if !referenced.isEmpty { helm[HelmSource.referencedFilesKey] = .object(referenced) }
        object["helm"] = .object(helm)
        return .object(object)
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
