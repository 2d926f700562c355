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
    /// AppProjects (optional; `default` is implied).
    public var projects: String

    public init(clusters: String = "clusters", applicationSets: String = "applicationsets", applications: String = "applications",
                projects: String = "projects") {
        self.clusters = clusters
        self.applicationSets = applicationSets
        self.applications = applications
        self.projects = projects
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

/// The ApplicationSet controller's settings (Argo CD's `applicationsetcontroller.policy` and
/// `applicationsetcontroller.enable.policy.override`): the policy every ApplicationSet gets,
/// and whether one's own `syncPolicy.applicationsSync` may replace it.
public struct ApplicationSetPolicy: Sendable, Equatable {
    public var controller: ApplicationsSyncPolicy
    public var allowOverride: Bool

    public init(controller: ApplicationsSyncPolicy = .sync, allowOverride: Bool = false) {
        self.controller = controller
        self.allowOverride = allowOverride
    }
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

    struct GenerationEntry {
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

    var generations: [String: GenerationEntry] = [:]
    var lastGoodGenerations: [String: GenerationEntry] = [:]
    /// A rendering is shared by every Application with the same source (all the clusters of a
    /// region render one overlay): keyed by the source without its revision.
    struct SourceKey: Hashable {
        var repoURL: String
        var source: Value
    }

    var renders: [SourceKey: RenderEntry] = [:]
    /// The last good `resources` of each Application, as canonical JSON (kept compact: there is
    /// one per Application of the fleet).
    var lastGoodResources: [String: [UInt8]] = [:]
    var fragments: [String: [UInt8]] = [:]
    /// The desired state of a cluster's plan and its id, kept while its Applications' entries
    /// stay the same (hashing every plan again is most of a commit's work on a large fleet).
    var states: [String: (key: String, state: [UInt8], id: String)] = [:]
    var nextToken = 0

    /// Applications pinned to an earlier revision by a rollback, by name; the hub sets them
    /// before each round. Pins change nothing else: the Application still comes from Git.
    public var pins: [String: ApplicationPin] = [:]
    /// This round's AppProjects by name (the implicit `default` included), those that could
    /// not be read, and a digest of them all (compiled entries key on it).
    var projects: [String: AppProject] = [:]
    var unreadableProjects: [String: String] = [:]
    var projectsDigest = ""

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
    /// What git generators read, when not `repositories` (the CLI's reads commits only while
    /// its sources read the files on disk).
    public var generatorRepositories: RepositoryProvider?
    /// The ApplicationSet controller's `--policy` and `--enable-policy-override`.
    public var applicationSetPolicy = ApplicationSetPolicy()
    /// The Applications each ApplicationSet has, by ApplicationSet name: what Argo CD's
    /// controller finds in the cluster and reconciles with its policy. Set it before the first
    /// round to what a previous run had (the hub keeps it in its database); each round leaves
    /// what the ApplicationSets have now (one removed from Git has none).
    public var ownedApplications: [String: [Value]] = [:]
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
            ["name": .string(c.name), "argoCDName": .string(c.argoCDName), "server": .string(c.server), "labels": .object(c.labels),
             "annotations": .object(c.annotations)]
        }), options: [.sortedKeys]).utf8))

        try readProjects(fleet.tree, problems: &problems)
        phase("read clusters")
        let (unique, generated, ungenerated) = try applications(in: fleet.tree, clusters: clusters, clustersDigest: clustersDigest, problems: &problems)
        // Applications missing because their ApplicationSet failed look removed to a spoke.
        let holdRemovals = ungenerated.isEmpty ? nil
            : "ApplicationSet \(ungenerated.joined(separator: ", ")) could not be generated; Applications that left the plan are not deleted until it is"

        phase("generate Applications")
        let perCluster = assign(unique, to: clusters, problems: &problems)

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
            let allowEmpty = cluster.annotations[PlanFormat.allowEmptyAnnotation]?.stringValue == "true"
            var stateKey: String? = cluster.name + "\u{1}" + cluster.server + "\u{1}" + (allowEmpty ? "e" : "") + (holdRemovals ?? "") + "\u{1}"
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
            plans[cluster.name] = assemblePlan(cluster: cluster, applications: entries, revisions: revisions, names: names, stateKey: stateKey,
                                               allowEmpty: allowEmpty, holdRemovals: holdRemovals)
        }
        fragments = fragments.filter { usedFragments.contains($0.key) }
        states = states.filter { plans[$0.key] != nil }
        phase("render and compile plans")
        return FleetPlanSet(fleetCommit: fleet.commit, clusters: clusters, applications: unique.map(\.value), plans: plans, problems: problems,
                            rendered: rendered, generated: generated, phases: phases, oversized: oversized)
    }

    /// Whether every repository a generation read is still at the commit it read. (A git
    /// generator's input is the whole listing of its repository, so any new commit regenerates.)
    func reposUnchanged(_ used: [RepositoryRead]) throws -> Bool {
        for read in used {
            guard let current = try? (generatorRepositories ?? repositories).snapshot(repoURL: read.repoURL, revision: read.revision), current.commit == read.commit else {
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
                    if record.argoCDName != record.name, let earlier = seen[record.argoCDName] {
                        problems.append(PlanProblem(kind: .cluster, subject: record.name,
                                                    message: "\(record.source): cluster \(record.name) has spec.name \(record.argoCDName), already a cluster's name at \(earlier)"))
                        continue
                    }
                    seen[record.name] = record.source
                    if record.argoCDName != record.name { seen[record.argoCDName] = record.source }
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

    func documents(in tree: FileTree, under directory: String, kind: String) throws -> [(String, YAMLDocument)] {
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
            guard case .object(var s) = source, let url = s["repoURL"]?.stringValue, RepositoryURL.same(url, repoURL) else { return source }
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
