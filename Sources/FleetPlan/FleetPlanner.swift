import FleetAppSet
import FleetModel
import FleetRender
import FleetYAML
import OrderedCollections

/// Where the fleet repository keeps its records (paths relative to the repository root).
public struct FleetLayout: Sendable {
    /// Cluster records (`fleet/v1alpha1 Cluster`, or Argo CD cluster Secrets).
    public var clusters: String
    /// ApplicationSets.
    public var applicationSets: String
    /// Plain Applications (optional).
    public var applications: String

    public init(clusters: String = "clusters", applicationSets: String = "applicationsets", applications: String = "applications") {
        self.clusters = clusters
        self.applicationSets = applicationSets
        self.applications = applications
    }
}

/// Something wrong in the fleet that did not stop planning: an ApplicationSet that failed to
/// generate (its last Applications are kept), an Application that failed to render (its last
/// good resources are kept), an Application that targets no known cluster.
public struct PlanProblem: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        case applicationSet, application, cluster, unassigned
    }
    public var kind: Kind
    /// The ApplicationSet, Application or cluster concerned.
    public var subject: String
    public var message: String
    public var description: String { message }
}

/// One cluster's plan: the canonical JSON document and its id.
public struct ClusterPlan: Sendable {
    public var cluster: String
    /// `sha256:<hex>` of the desired state (the document without `id` and `revisions`).
    public var id: String
    /// The plan as canonical JSON (sorted keys, no insignificant space).
    public var json: [UInt8]
    /// The Applications in the plan, by name.
    public var applications: [String]
}

/// The outcome of planning a fleet at one commit.
public struct FleetPlanSet: Sendable {
    public var fleetCommit: String
    public var clusters: [ClusterRecord]
    /// Every Application (generated and plain), sorted by name.
    public var applications: [Value]
    public var plans: [String: ClusterPlan]
    public var problems: [PlanProblem]
    /// How many Application sources were rendered (the rest came from the render cache).
    public var rendered: Int
    /// How many ApplicationSets were generated (the rest came from the generation cache).
    public var generated: Int
}

/// Plans a fleet: reads Cluster records and ApplicationSets from the fleet repository at a
/// commit, generates the Applications, renders each one's sources, and compiles one plan per
/// cluster. Keeps what it learns between calls, so the next commit re-renders only the sources
/// whose input files changed, re-generates only ApplicationSets whose inputs changed, and, when
/// a generation or a rendering fails, keeps the last good result and reports the problem.
public final class FleetPlanner {
    public let repositories: RepositoryProvider
    public let fleetRepoURL: String
    public let layout: FleetLayout

    private struct GenerationEntry {
        var digest: String
        var repositories: [RepositoryRead]
        var applications: [Value]
    }

    private struct RenderEntry {
        var repoURL: String
        var commit: String
        var outcome: Result<RenderedSource, RenderError>
        /// Changes whenever the outcome is recomputed (compiled fragments key on it).
        var token: Int
    }

    private var generations: [String: GenerationEntry] = [:]
    private var lastGoodApplications: [String: [Value]] = [:]
    private var renders: [String: RenderEntry] = [:]
    private var lastGoodResources: [String: [Value]] = [:]
    private var fragments: [String: [UInt8]] = [:]
    private var nextToken = 0

    public init(repositories: RepositoryProvider, fleetRepoURL: String, layout: FleetLayout = FleetLayout()) {
        self.repositories = repositories
        self.fleetRepoURL = fleetRepoURL
        self.layout = layout
    }

    /// Plans the fleet at `revision` of the fleet repository.
    public func plan(revision: String = "HEAD") throws -> FleetPlanSet {
        let fleet = try repositories.snapshot(repoURL: fleetRepoURL, revision: revision)
        var problems: [PlanProblem] = []
        let clusters = try readClusters(fleet.tree, problems: &problems)
        let clustersDigest = PlanDigest.hex(Array(JSON.encode(.array(clusters.map { c in
            ["name": .string(c.name), "server": .string(c.server), "labels": .object(c.labels), "annotations": .object(c.annotations)]
        }), options: [.sortedKeys]).utf8))

        // 1. Applications.
        var applications: [Value] = []
        var generated = 0
        var seenAppSets = Set<String>()
        let generator = ApplicationSetGenerator(clusters: clusters, repositories: repositories)
        for (file, document) in try documents(in: fleet.tree, under: layout.applicationSets, kind: "ApplicationSet") {
            let name = document.value["metadata"]?["name"]?.stringValue ?? "<unnamed>"
            let key = name
            guard seenAppSets.insert(key).inserted else {
                problems.append(PlanProblem(kind: .applicationSet, subject: name, message: "\(file):\(document.line): ApplicationSet \(name) is defined twice; this definition is ignored"))
                continue
            }
            let digest = PlanDigest.hex(Array((JSON.encode(document.value, options: [.sortedKeys]) + clustersDigest).utf8))
            if let cached = generations[key], cached.digest == digest, try reposUnchanged(cached.repositories) {
                applications += cached.applications
                continue
            }
            do {
                generated += 1
                let result = try generator.generate(document.value, source: "\(file):\(document.line)")
                generations[key] = GenerationEntry(digest: digest, repositories: result.repositories, applications: result.applications)
                lastGoodApplications[key] = result.applications
                applications += result.applications
            } catch {
                generations[key] = nil
                let kept = lastGoodApplications[key] ?? []
                problems.append(PlanProblem(kind: .applicationSet, subject: name, message: "\(error)" + (kept.isEmpty ? "" : " (keeping the \(kept.count) Applications it generated last time)")))
                applications += kept
            }
        }
        for (file, document) in try documents(in: fleet.tree, under: layout.applications, kind: "Application") {
            guard document.value["apiVersion"]?.stringValue == "argoproj.io/v1alpha1" else { continue }
            if document.value["metadata"]?["name"]?.stringValue?.isEmpty ?? true {
                problems.append(PlanProblem(kind: .application, subject: file, message: "\(file):\(document.line): Application without metadata.name"))
                continue
            }
            applications.append(document.value)
        }
        var byName: [String: Value] = [:]
        var unique: [Value] = []
        for application in applications {
            let name = application["metadata"]?["name"]?.stringValue ?? ""
            if byName[name] != nil {
                problems.append(PlanProblem(kind: .application, subject: name, message: "Application \(name) is defined more than once; the first definition is used"))
                continue
            }
            byName[name] = application
            unique.append(application)
        }
        unique.sort { ($0["metadata"]?["name"]?.stringValue ?? "") < ($1["metadata"]?["name"]?.stringValue ?? "") }

        // 2. Assign to clusters.
        var perCluster: [String: [Value]] = [:]
        for application in unique {
            let name = application["metadata"]?["name"]?.stringValue ?? ""
            let destination = application["spec"]?["destination"]
            let destName = destination?["name"]?.stringValue ?? ""
            let destServer = destination?["server"]?.stringValue ?? ""
            let targets = clusters.filter { c in
                (!destName.isEmpty && c.name == destName) || (destName.isEmpty && !destServer.isEmpty && c.server == destServer)
            }
            guard let target = targets.first else {
                problems.append(PlanProblem(kind: .unassigned, subject: name, message: "Application \(name) targets \(destName.isEmpty ? "server \(destServer.isEmpty ? "(none)" : destServer)" : "cluster \(destName)"), which is not a cluster of the fleet"))
                continue
            }
            perCluster[target.name, default: []].append(application)
        }

        // 3. Render and compile.
        var rendered = 0
        var snapshots: [String: RepositorySnapshot] = [fleetRepoURL + "\u{0}" + revision: fleet]
        var usedFragments = Set<String>()
        var plans: [String: ClusterPlan] = [:]
        for cluster in clusters {
            var entries: [[UInt8]] = []
            var revisions: [String: String] = [fleetRepoURL: fleet.commit]
            var names: [String] = []
            for application in perCluster[cluster.name] ?? [] {
                let name = application["metadata"]?["name"]?.stringValue ?? ""
                names.append(name)
                let (fragment, sourceRevisions) = compile(application, cluster: cluster, snapshots: &snapshots, rendered: &rendered, problems: &problems, used: &usedFragments)
                for (url, commit) in sourceRevisions { revisions[url] = commit }
                entries.append(fragment)
            }
            plans[cluster.name] = assemblePlan(cluster: cluster, applications: entries, revisions: revisions, names: names)
        }
        fragments = fragments.filter { usedFragments.contains($0.key) }
        return FleetPlanSet(fleetCommit: fleet.commit, clusters: clusters, applications: unique, plans: plans, problems: problems, rendered: rendered, generated: generated)
    }

    /// Whether every repository a generation read is still at the commit it read. (A git
    /// generator's input is the whole listing of its repository, so any new commit regenerates.)
    private func reposUnchanged(_ used: [RepositoryRead]) throws -> Bool {
        for read in used {
            guard let current = try? repositories.snapshot(repoURL: read.repoURL, revision: read.revision), current.commit == read.commit else {
                return false
            }
        }
        return true
    }

    private func readClusters(_ tree: FileTree, problems: inout [PlanProblem]) throws -> [ClusterRecord] {
        var records: [ClusterRecord] = []
        var seen: [String: String] = [:]
        for file in try yamlFiles(in: tree, under: layout.clusters) {
            let documents: [YAMLDocument]
            do { documents = try YAML.parseStream(try tree.readFile(file), source: file) } catch {
                problems.append(PlanProblem(kind: .cluster, subject: file, message: "\(error)"))
                continue
            }
            do {
                for record in try ClusterCatalog.clusters(in: documents, source: file) {
                    if let earlier = seen[record.name] {
                        problems.append(PlanProblem(kind: .cluster, subject: record.name, message: "\(record.source): cluster \(record.name) is already defined at \(earlier)"))
                        continue
                    }
                    seen[record.name] = record.source
                    records.append(record)
                }
            } catch {
                problems.append(PlanProblem(kind: .cluster, subject: file, message: "\(error)"))
            }
        }
        return records.sorted { $0.name < $1.name }
    }

    private func yamlFiles(in tree: FileTree, under directory: String) throws -> [String] {
        guard (try? tree.kind(of: directory)) == .directory else { return [] }
        var out: [String] = []
        func walk(_ path: String) throws {
            for name in try tree.listDirectory(path).sorted() where !name.hasPrefix(".") {
                let child = TreePath.join(path, name)
                switch try tree.kind(of: child) {
                case .directory?: try walk(child)
                case .file?: if name.hasSuffix(".yaml") || name.hasSuffix(".yml") { out.append(child) }
                default: break
                }
            }
        }
        try walk(directory)
        return out
    }

    private func documents(in tree: FileTree, under directory: String, kind: String) throws -> [(String, YAMLDocument)] {
        var out: [(String, YAMLDocument)] = []
        for file in try yamlFiles(in: tree, under: directory) {
            let parsed: [YAMLDocument]
            do { parsed = try YAML.parseStream(try tree.readFile(file), source: file) } catch {
                throw PlanningError("\(error)")
            }
            for document in parsed where document.value["kind"]?.stringValue == kind { out.append((file, document)) }
        }
        return out
    }

    // MARK: Compile one Application

    private func compile(_ application: Value, cluster: ClusterRecord, snapshots: inout [String: RepositorySnapshot], rendered: inout Int,
                         problems: inout [PlanProblem], used: inout Set<String>) -> ([UInt8], [String: String]) {
        let name = application["metadata"]?["name"]?.stringValue ?? ""
        let spec = application["spec"] ?? .object([:])
        var sources: [Value] = []
        if let multiple = spec["sources"]?.arrayValue, !multiple.isEmpty {
            sources = multiple.filter { $0["ref"] == nil || $0["path"] != nil }
        } else if let single = spec["source"] {
            sources = [single]
        }
        var revisions: [String: String] = [:]
        var objects: [Value] = []
        var tokens: [String] = []
        var failure: String?
        var sourceHeaders: [Value] = []
        if sources.isEmpty { failure = "spec.source is missing" }
        for source in sources where failure == nil {
            let repoURL = source["repoURL"]?.stringValue ?? ""
            let revision = source["targetRevision"]?.stringValue ?? "HEAD"
            sourceHeaders.append(source)
            if let reason = SourceRenderer.unsupportedReason(source) {
                failure = reason
                break
            }
            let snapshotKey = repoURL + "\u{0}" + (revision.isEmpty ? "HEAD" : revision)
            let snapshot: RepositorySnapshot
            if let cached = snapshots[snapshotKey] {
                snapshot = cached
            } else {
                do {
                    snapshot = try repositories.snapshot(repoURL: repoURL, revision: revision.isEmpty ? "HEAD" : revision)
                    snapshots[snapshotKey] = snapshot
                } catch {
                    failure = "reading \(repoURL) at \(revision): \(error)"
                    break
                }
            }
            revisions[repoURL] = snapshot.commit
            let entry = render(source, repoURL: repoURL, snapshot: snapshot, rendered: &rendered)
            tokens.append(String(entry.token))
            switch entry.outcome {
            case .success(let result): objects += result.objects
            case .failure(let error): failure = "\(error)"
            }
        }
        let header = ApplicationCompiler.header(application, sources: sourceHeaders)
        let fragmentKey = PlanDigest.hex(Array((JSON.encode(application, options: [.sortedKeys]) + "\u{0}" + tokens.joined(separator: ",") + "\u{0}" + (failure ?? "")).utf8))
        let lastGoodKey = cluster.name + "\u{0}" + name
        if failure == nil, let cached = fragments[fragmentKey] {
            used.insert(fragmentKey)
            return (cached, revisions)
        }
        var entry = header
        if failure == nil {
            do {
                let resources = try ApplicationCompiler.resources(application: name, destinationNamespace: header["namespace"]?.stringValue ?? "", objects: objects)
                lastGoodResources[lastGoodKey] = resources
                entry["resources"] = .array(resources)
            } catch {
                failure = error.message
            }
        }
        if let failure {
            let kept = lastGoodResources[lastGoodKey]
            entry["error"] = .string(failure)
            entry["resources"] = .array(kept ?? [])
            problems.append(PlanProblem(kind: .application, subject: name, message: "Application \(name) (cluster \(cluster.name)): \(failure)" + (kept == nil ? "" : " (keeping its last good resources)")))
        }
        let bytes = JSON.encodeBytes(.object(entry), options: [.sortedKeys])
        if failure == nil {
            fragments[fragmentKey] = bytes
            used.insert(fragmentKey)
        }
        return (bytes, revisions)
    }

    /// Renders one source, from the cache when none of its input files changed since it was
    /// rendered.
    private func render(_ source: Value, repoURL: String, snapshot: RepositorySnapshot, rendered: inout Int) -> RenderEntry {
        var options = source.objectValue ?? [:]
        options["targetRevision"] = nil
        let key = repoURL + "\u{0}" + JSON.encode(.object(options), options: [.sortedKeys])
        if var cached = renders[key] {
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
        do { outcome = .success(try SourceRenderer.render(source, tree: snapshot.tree)) } catch { outcome = .failure(error) }
        let entry = RenderEntry(repoURL: repoURL, commit: snapshot.commit, outcome: outcome, token: nextToken)
        renders[key] = entry
        return entry
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

    // MARK: Assemble

    private func assemblePlan(cluster: ClusterRecord, applications: [[UInt8]], revisions: [String: String], names: [String]) -> ClusterPlan {
        func string(_ s: String) -> [UInt8] { JSON.encodeBytes(.string(s)) }
        var state: [UInt8] = Array("{\"applications\":[".utf8)
        for (index, fragment) in applications.enumerated() {
            if index > 0 { state.append(UInt8(ascii: ",")) }
            state += fragment
        }
        state += Array("],\"cluster\":".utf8) + string(cluster.name)
        state += Array(",\"formatVersion\":\(PlanFormat.version)".utf8)
        let tail = Array(",\"server\":".utf8) + string(cluster.server) + [UInt8(ascii: "}")]
        let id = "sha256:" + PlanDigest.hex(state + tail)
        var revisionObject = ValueObject()
        for key in revisions.keys.sorted() { revisionObject[key] = .string(revisions[key]!) }
        var json = state
        json += Array(",\"id\":".utf8) + string(id)
        json += Array(",\"revisions\":".utf8) + JSON.encodeBytes(.object(revisionObject), options: [.sortedKeys])
        json += tail
        return ClusterPlan(cluster: cluster.name, id: id, json: json, applications: names)
    }
}

public struct PlanningError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
