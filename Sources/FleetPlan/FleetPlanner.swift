import FleetAppSet
import FleetHelm
import FleetModel
import FleetProtocol
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
    /// The Applications in the plan, by name.
    public var applications: [String]
    /// The commit of every repository the plan was read from.
    public var revisions: [String: String]
    /// The desired state before `server` (`CanonicalPlanWriter`), shared with the planner's cache.
    let state: [UInt8]
    let server: String

    /// The plan as canonical JSON (sorted keys, no insignificant space). Built on access: a
    /// fleet's plans are large and most callers only compare ids.
    public var json: [UInt8] {
        CanonicalPlanWriter.document(desiredState: state, id: id, revisions: revisions, server: server)
    }
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
    /// Where the time went: read, generate, assign, render and compile.
    public var phases: [(name: String, duration: Duration)] = []
    /// Clusters whose plan would exceed `PlanningLimits.maxPlanBytes`, with the size it would
    /// have had. They have no entry in `plans`: whoever publishes keeps their last plan.
    public var oversized: [String: Int] = [:]
}

/// Bounds on one planning round, so one bad commit cannot stall or swamp the others.
public struct PlanningLimits: Sendable {
    /// Longest time to generate one ApplicationSet or render one source (nil: no limit). The
    /// item that exceeds it fails alone, keeping its last good output.
    public var itemSeconds: Double?
    /// Largest plan a cluster may get: what a spoke accepts in one response.
    public var maxPlanBytes: Int

    public static let spokeResponseLimit = PlanSizeLimit.bytes

    public init(itemSeconds: Double? = 30, maxPlanBytes: Int = PlanningLimits.spokeResponseLimit) {
        self.itemSeconds = itemSeconds
        self.maxPlanBytes = maxPlanBytes
    }
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
        /// The digest and the commits read: what the generated Applications depend on.
        var identity: String
        var repositories: [RepositoryRead]
        var applications: [Value]
    }

    struct RenderEntry {
        var commit: String
        var outcome: Result<RenderedSource, RenderError>
        /// Changes whenever the outcome is recomputed (compiled fragments key on it).
        var token: Int
        /// The planning round it was rendered in (renders with remote bases last one round).
        var round: Int
    }

    private var generations: [String: GenerationEntry] = [:]
    private var lastGoodGenerations: [String: GenerationEntry] = [:]
    /// A rendering is shared by every Application with the same source (all the clusters of a
    /// region render one overlay): keyed by the source without its revision.
    struct SourceKey: Hashable {
        var repoURL: String
        var source: Value
    }

    var renders: [SourceKey: RenderEntry] = [:]
    /// The last good `resources` of each Application, as canonical JSON (kept compact: there is
    /// one per Application of the fleet).
    private var lastGoodResources: [String: [UInt8]] = [:]
    private var fragments: [String: [UInt8]] = [:]
    var nextToken = 0

    /// Applications pinned to an earlier revision by a rollback, by name; the hub sets them
    /// before each round. Pins change nothing else: the Application still comes from Git.
    public var pins: [String: ApplicationPin] = [:]

    public var limits: PlanningLimits
    /// Fetches kustomize remote bases; the hub gives a fresh one per round, so each remote is
    /// fetched once a round and shared by every render that names it.
    public var remoteResolver: (any RemoteResolver)?
    /// Charts of Helm chart repositories (`spec.source.chart`); without it such Applications
    /// carry an error.
    public var helmRepositories: (any HelmChartRepositories)?
    /// Kustomize's `--enable-helm` (Argo CD's `kustomize.buildOptions`): kustomizations may
    /// inflate `helmCharts`; otherwise they are refused as kubectl refuses them.
    public var kustomizeEnableHelm = false
    var round = 0

    public init(repositories: RepositoryProvider, fleetRepoURL: String, layout: FleetLayout = FleetLayout(), limits: PlanningLimits = PlanningLimits()) {
        self.repositories = repositories
        self.fleetRepoURL = fleetRepoURL
        self.layout = layout
        self.limits = limits
    }

    /// Plans the fleet at `revision` of the fleet repository.
    public func plan(revision: String = "HEAD") throws -> FleetPlanSet {
        round += 1
        let clock = ContinuousClock()
        var phaseStart = clock.now
        var phases: [(name: String, duration: Duration)] = []
        func phase(_ name: String) {
            let now = clock.now
            phases.append((name, now - phaseStart))
            phaseStart = now
        }
        let fleet = try repositories.snapshot(repoURL: fleetRepoURL, revision: revision)
        var problems: [PlanProblem] = []
        let clusters = try readClusters(fleet.tree, problems: &problems)
        let clustersDigest = PlanDigest.hex(Array(JSON.encode(.array(clusters.map { c in
            ["name": .string(c.name), "server": .string(c.server), "labels": .object(c.labels), "annotations": .object(c.annotations)]
        }), options: [.sortedKeys]).utf8))

        phase("read clusters")
        // 1. Applications, each with an identity that changes whenever its content can:
        //    the generation it came from (ApplicationSet, clusters, repositories read) and its
        //    name, or for a plain Application the digest of its document.
        var applications: [(identity: String, value: Value)] = []
        var generated = 0
        var seenAppSets = Set<String>()
        let generator = ApplicationSetGenerator(clusters: clusters, repositories: repositories)
        func named(_ apps: [Value], _ generation: String) -> [(identity: String, value: Value)] {
            apps.map { (generation + "\u{0}" + ($0["metadata"]?["name"]?.stringValue ?? ""), $0) }
        }
        for (file, document) in try documents(in: fleet.tree, under: layout.applicationSets, kind: "ApplicationSet") {
            let name = document.value["metadata"]?["name"]?.stringValue ?? "<unnamed>"
            let key = name
            guard seenAppSets.insert(key).inserted else {
                problems.append(PlanProblem(kind: .applicationSet, subject: name, message: "\(file):\(document.line): ApplicationSet \(name) is defined twice; this definition is ignored"))
                continue
            }
            let digest = PlanDigest.hex(Array((JSON.encode(document.value, options: [.sortedKeys]) + clustersDigest).utf8))
            if let cached = generations[key], cached.digest == digest, try reposUnchanged(cached.repositories) {
                applications += named(cached.applications, cached.identity)
                continue
            }
            do {
                generated += 1
                let result = try WorkDeadline.run(seconds: limits.itemSeconds,
                                                  reason: "generating ApplicationSet \(name) took longer than \(Self.seconds(limits.itemSeconds))") {
                    try generator.generate(document.value, source: "\(file):\(document.line)")
                }
                let identity = digest + result.repositories.map { "\u{0}\($0.repoURL)@\($0.commit)" }.joined()
                let entry = GenerationEntry(digest: digest, identity: identity, repositories: result.repositories, applications: result.applications)
                generations[key] = entry
                lastGoodGenerations[key] = entry
                applications += named(result.applications, identity)
            } catch {
                generations[key] = nil
                let kept = lastGoodGenerations[key]
                let count = kept?.applications.count ?? 0
                problems.append(PlanProblem(kind: .applicationSet, subject: name, message: "\(error)" + (count == 0 ? "" : " (keeping the \(count) Applications it generated last time)")))
                if let kept { applications += named(kept.applications, kept.identity) }
            }
        }
        for (file, document) in try documents(in: fleet.tree, under: layout.applications, kind: "Application") {
            guard document.value["apiVersion"]?.stringValue == "argoproj.io/v1alpha1" else { continue }
            if document.value["metadata"]?["name"]?.stringValue?.isEmpty ?? true {
                problems.append(PlanProblem(kind: .application, subject: file, message: "\(file):\(document.line): Application without metadata.name"))
                continue
            }
            applications.append((PlanDigest.hex(Array(JSON.encode(document.value, options: [.sortedKeys]).utf8)), document.value))
        }
        var seenNames = Set<String>()
        var unique: [(identity: String, value: Value)] = []
        for application in applications {
            let name = application.value["metadata"]?["name"]?.stringValue ?? ""
            guard seenNames.insert(name).inserted else {
                problems.append(PlanProblem(kind: .application, subject: name, message: "Application \(name) is defined more than once; the first definition is used"))
                continue
            }
            unique.append(application)
        }
        unique = unique.map { ($0.value["metadata"]?["name"]?.stringValue ?? "", $0) }.sorted { $0.0 < $1.0 }.map(\.1)
        unique = unique.map { application in
            guard let name = application.value["metadata"]?["name"]?.stringValue, let pin = pins[name] else { return application }
            return (application.identity + "\u{0}pin:" + pin.repoURL + "@" + pin.revision, pin.apply(to: application.value))
        }

        phase("generate Applications")
        // 2. Assign to clusters: by destination name, or by server when no name is given.
        var clustersByName: [String: ClusterRecord] = [:]
        var clustersByServer: [String: ClusterRecord] = [:]
        for cluster in clusters {
            clustersByName[cluster.name] = cluster
            if !cluster.server.isEmpty, clustersByServer[cluster.server] == nil { clustersByServer[cluster.server] = cluster }
        }
        var perCluster: [String: [(identity: String, value: Value)]] = [:]
        for application in unique {
            let name = application.value["metadata"]?["name"]?.stringValue ?? ""
            let destination = application.value["spec"]?["destination"]
            let destName = destination?["name"]?.stringValue ?? ""
            let destServer = destination?["server"]?.stringValue ?? ""
            let target = destName.isEmpty ? (destServer.isEmpty ? nil : clustersByServer[destServer]) : clustersByName[destName]
            guard let target else {
                problems.append(PlanProblem(kind: .unassigned, subject: name, message: "Application \(name) targets \(destName.isEmpty ? "server \(destServer.isEmpty ? "(none)" : destServer)" : "cluster \(destName)"), which is not a cluster of the fleet"))
                continue
            }
            perCluster[target.name, default: []].append(application)
        }

        phase("assign to clusters")
        // 3. Render and compile.
        var rendered = 0
        var snapshots: [String: RepositorySnapshot] = [fleetRepoURL + "\u{0}" + revision: fleet]
        var usedFragments = Set<String>()
        var plans: [String: ClusterPlan] = [:]
        var oversized: [String: Int] = [:]
        for cluster in clusters {
            var entries: [[UInt8]] = []
            var size = 0
            var revisions: [String: String] = [fleetRepoURL: fleet.commit]
            var names: [String] = []
            var stateKey: String? = cluster.name + "\u{1}" + cluster.server + "\u{1}"
            for (identity, application) in perCluster[cluster.name] ?? [] {
                let name = application["metadata"]?["name"]?.stringValue ?? ""
                names.append(name)
                let (fragment, sourceRevisions, fragmentKey) = compile(application, identity: identity, cluster: cluster, snapshots: &snapshots, rendered: &rendered, problems: &problems, used: &usedFragments)
                for (url, commit) in sourceRevisions { revisions[url] = commit }
                size += fragment.count
                entries.append(size > limits.maxPlanBytes ? [] : fragment)
                if let fragmentKey, stateKey != nil { stateKey! += fragmentKey + "\u{1}" } else { stateKey = nil }
            }
            if size > limits.maxPlanBytes {
                oversized[cluster.name] = size
                problems.append(PlanProblem(kind: .cluster, subject: cluster.name,
                                            message: "the plan for cluster \(cluster.name) would be \(size) bytes, more than the \(limits.maxPlanBytes) a spoke accepts: it keeps its last plan"))
                continue
            }
            plans[cluster.name] = assemblePlan(cluster: cluster, applications: entries, revisions: revisions, names: names, stateKey: stateKey)
        }
        fragments = fragments.filter { usedFragments.contains($0.key) }
        states = states.filter { plans[$0.key] != nil }
        phase("render and compile plans")
        return FleetPlanSet(fleetCommit: fleet.commit, clusters: clusters, applications: unique.map(\.value), plans: plans, problems: problems,
                            rendered: rendered, generated: generated, phases: phases, oversized: oversized)
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

    private func compile(_ application: Value, identity: String, cluster: ClusterRecord, snapshots: inout [String: RepositorySnapshot], rendered: inout Int,
                         problems: inout [PlanProblem], used: inout Set<String>) -> ([UInt8], [String: String], String?) {
        let name = application["metadata"]?["name"]?.stringValue ?? ""
        let spec = application["spec"] ?? .object([:])
        let sources = ApplicationPin.renderedSources(of: application)
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
            if let chart = source["chart"]?.stringValue {
                // A chart from a Helm repository: its archive is the tree, its digest the commit.
                let chartKey = snapshotKey + "\u{0}chart:" + chart
                if let cached = snapshots[chartKey] {
                    snapshot = cached
                } else {
                    guard let helmRepositories else {
                        failure = "Helm chart repositories are not available here (spec.source.chart \(chart) from \(repoURL))"
                        break
                    }
                    do {
                        let resolved = try helmRepositories.chart(repoURL: repoURL, name: chart, version: revision == "HEAD" ? "" : revision)
                        snapshot = RepositorySnapshot(tree: try HelmChart.unpack(archive: resolved.archive, displayName: "\(chart)-\(resolved.version).tgz"),
                                                      commit: resolved.version + "@sha256:" + resolved.digest)
                        snapshots[chartKey] = snapshot
                    } catch {
                        failure = "chart \(chart) from \(repoURL) at \(revision.isEmpty ? "latest" : revision): \(error)"
                        break
                    }
                }
            } else if let cached = snapshots[snapshotKey] {
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
            var renderSource = source
            if source["chart"] != nil, case .object(var chartSource) = source {
                // A repository chart sits at the root of its archive (Argo CD ignores `path`).
                chartSource["path"] = nil
                chartSource["helm"] = chartSource["helm"] ?? .emptyObject
                renderSource = .object(chartSource)
            }
            if SourceRenderer.isHelm(renderSource, tree: snapshot.tree) {
                renderSource = helmSource(renderSource, application: application, snapshots: &snapshots)
            }
            let entry = render(renderSource, repoURL: repoURL, snapshot: snapshot, rendered: &rendered)
            tokens.append(String(entry.token))
            switch entry.outcome {
            case .success(let result): objects += result.objects
            case .failure(let error): failure = "\(error)"
            }
        }
        let fragmentKey = identity + "\u{0}" + tokens.joined(separator: ",")
        let lastGoodKey = cluster.name + "\u{0}" + name
        if failure == nil, let cached = fragments[fragmentKey] {
            used.insert(fragmentKey)
            return (cached, revisions, fragmentKey)
        }
        var entry: PlanEntry
        do { entry = try ApplicationCompiler.header(application, sources: sourceHeaders) } catch {
            entry = PlanEntry(name: name, trackingLabel: PlanFormat.labelValue(forApplication: name))
            failure = failure ?? error.message
        }
        if failure == nil {
            do {
                let resources = try ApplicationCompiler.resources(application: name, destinationNamespace: entry.namespace, objects: objects)
                let encoded = JSON.encodeBytes(.array(resources.map(\.value)), options: [.sortedKeys])
                if encoded.count > limits.maxPlanBytes {
                    failure = "renders to \(encoded.count) bytes, more than the \(limits.maxPlanBytes) a spoke accepts in one plan"
                } else {
                    lastGoodResources[lastGoodKey] = encoded
                    entry.resources = resources
                }
            } catch {
                failure = error.message
            }
        }
        if let failure {
            let kept = lastGoodResources[lastGoodKey].flatMap { try? PlannedResource.list(json: $0) }
            entry.error = failure
            entry.resources = kept ?? []
            problems.append(PlanProblem(kind: .application, subject: name, message: "Application \(name) (cluster \(cluster.name)): \(failure)" + (kept == nil ? "" : " (keeping its last good resources)")))
        }
        let bytes = JSON.encodeBytes(entry.value, options: [.sortedKeys])
        if failure == nil {
            fragments[fragmentKey] = bytes
            used.insert(fragmentKey)
        }
        return (bytes, revisions, failure == nil ? fragmentKey : nil)
    }

    // MARK: Assemble

    /// The desired state of a cluster's plan and its id, kept while its Applications' entries
    /// stay the same (hashing every plan again is most of a commit's work on a large fleet).
    private var states: [String: (key: String, state: [UInt8], id: String)] = [:]

    private func assemblePlan(cluster: ClusterRecord, applications: [[UInt8]], revisions: [String: String], names: [String], stateKey: String?) -> ClusterPlan {
        var state: [UInt8]
        var id: String
        if let stateKey, let cached = states[cluster.name], cached.key == stateKey {
            state = cached.state
            id = cached.id
        } else {
            state = CanonicalPlanWriter.desiredState(entries: applications, cluster: cluster.name)
            let tail = CanonicalPlanWriter.stateTail(server: cluster.server)
            id = "sha256:" + PlanDigest.hex(state, tail)
            if let stateKey { states[cluster.name] = (stateKey, state, id) } else { states[cluster.name] = nil }
        }
        return ClusterPlan(cluster: cluster.name, id: id, applications: names, revisions: revisions, state: state, server: cluster.server)
    }
}

public struct PlanningError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A rollback's effect on one Application: its sources in `repoURL` render at `revision`, and
/// automated sync is suspended so the next commit does not undo the rollback.
public struct ApplicationPin: Sendable, Equatable {
    public var repoURL: String
    public var revision: String

    public init(repoURL: String, revision: String) {
        self.repoURL = repoURL
        self.revision = revision
    }

    /// The sources an Application renders: `spec.sources` without the pure `ref` entries (which
    /// only lend their repository to Helm value files), or `spec.source`. A rollback pins the
    /// repository of the first.
    public static func renderedSources(of application: Value) -> [Value] {
        let spec = application["spec"] ?? .object([:])
        if let multiple = spec["sources"]?.arrayValue, !multiple.isEmpty {
            return multiple.filter { $0["ref"] == nil || $0["path"] != nil }
        }
        if let single = spec["source"] { return [single] }
        return []
    }

    /// The Application as pinned: `targetRevision` of each source in the pinned repository set
    /// to the commit, `syncPolicy.automated` removed.
    public func apply(to application: Value) -> Value {
        guard case .object(var document) = application, case .object(var spec)? = document["spec"] else { return application }
        func pinned(_ source: Value) -> Value {
            guard case .object(var s) = source, s["repoURL"]?.stringValue == repoURL else { return source }
            s["targetRevision"] = .string(revision)
            return .object(s)
        }
        if let source = spec["source"] { spec["source"] = pinned(source) }
        if case .array(let sources)? = spec["sources"] { spec["sources"] = .array(sources.map(pinned)) }
        if case .object(var policy)? = spec["syncPolicy"] {
            policy["automated"] = nil
            spec["syncPolicy"] = .object(policy)
        }
        document["spec"] = .object(spec)
        return .object(document)
    }
}
