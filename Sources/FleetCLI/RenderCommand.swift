import FleetRepos
import FleetFiles
import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetPlan

/// Plans a checkout of a fleet repository, as the hub does, with no hub.
struct LocalFleet {
    let provider: LocalRepositoryProvider
    /// What git generators read: commits only, as the hub's do.
    let committed: LocalRepositoryProvider
    let planner: FleetPlanner

    init(repo: String) throws {
        provider = try LocalRepositoryProvider(directory: repo)
        committed = try LocalRepositoryProvider(directory: repo, readsWorkTree: false)
        planner = FleetPlanner(repositories: provider, fleetRepoURL: provider.directory)
        planner.generatorRepositories = committed
        // Remote kustomize bases are mirrored in the user's cache, fetched once per run.
        planner.remoteResolver = RemoteBaseCache(cacheDirectory: BuildCommand.defaultCacheDirectory())
        // Charts of Helm repositories: indexes fetched once per run, archives kept by digest.
        planner.helmRepositories = HelmRepositoryCache(cacheDirectory: BuildCommand.defaultCacheDirectory(named: "helm-charts"))
    }

    func plan(at revision: String?) throws -> FleetPlanSet {
        if let revision, !provider.isGitRepository {
            throw CommandFailure("\(provider.directory) is not a Git repository, so --revision \(revision) cannot be used")
        }
        provider.pinnedRevision = revision
        committed.pinnedRevision = revision
        return try planner.plan(revision: revision ?? "HEAD")
    }

    /// Problems on stderr; true when one of them is more than a warning.
    static func report(_ problems: [PlanProblem]) -> Bool {
        var failed = false
        for problem in problems {
            switch problem.kind {
            case .unassigned: printError("warning: \(problem.message)")
            default: printError("error: \(problem.message)"); failed = true
            }
        }
        return failed
    }
}

/// `fleet render --repo DIR [--revision REV] [--cluster NAME]`.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Print the plan the hub would serve to each cluster, from a checkout of the fleet repo.",
        discussion: """
            Reads the fleet repository as the hub does: Cluster records under clusters/, ApplicationSets under applicationsets/ and plain Applications under applications/ (each searched recursively for .yaml and .yml files). Generates the Applications, assigns each to the cluster its destination names (by name, or by server), renders every source (kustomization, Helm chart or plain directory) and compiles one plan per cluster. Charts of Helm repositories are fetched into $XDG_CACHE_HOME/fleet/helm-charts; --enable-helm lets kustomizations inflate helmCharts, as a hub with kustomize.buildOptions: --enable-helm does.

            A plan is canonical JSON (sorted keys, no spaces): the same inputs always give the same bytes, and its id is the SHA-256 of the desired state. With --cluster, that cluster's plan is printed (the file `spoke apply --plan` takes); without it, every plan, one per line, sorted by cluster.

            With --revision, the repository is read at that commit, branch or tag, and sources in the same repository that follow HEAD (or the checked-out branch) are read at that revision too.

            Problems go to stderr: an ApplicationSet that cannot be generated or an Application that cannot be rendered is an error (exit 1; plans are still printed, the Application marked with its error), an Application that targets no known cluster is a warning.

            Exit codes: 0 ok, 1 a problem (see stderr), 2 usage error.
            """
    )

    @Option(name: .long, help: "The fleet repository (a Git checkout).")
    var repo: String = "."

    @Option(name: .long, help: "Plan the repository as committed at this revision (default: the files on disk, uncommitted edits included; git generators always read commits).")
    var revision: String?

    @Option(name: .long, help: "Print only this cluster's plan.")
    var cluster: String?

    @Flag(name: .long, help: "Indent the JSON for reading (the canonical form is compact).")
    var pretty = false

    @Flag(name: .customLong("enable-helm"), help: "Let kustomizations inflate helmCharts (the hub's kustomize.buildOptions: --enable-helm).")
    var enableHelm = false

    func run() throws {
        let fleet = try LocalFleet(repo: repo)
        fleet.planner.kustomizeEnableHelm = enableHelm
        let result = try fleet.plan(at: revision)
        let failed = LocalFleet.report(result.problems)
        var plans = result.plans.values.sorted { $0.cluster < $1.cluster }
        if let cluster {
            guard let plan = result.plans[cluster] else {
                let known = result.clusters.map(\.name).joined(separator: ", ")
                throw CommandFailure("no cluster named \(cluster) in the fleet repository (clusters: \(known.isEmpty ? "none" : known))")
            }
            plans = [plan]
        }
        for plan in plans {
            if pretty {
                print(JSON.encode(try JSON.parse(plan.json), options: [.sortedKeys, .pretty]))
            } else {
                print(String(decoding: plan.json, as: UTF8.self))
            }
        }
        if failed { throw ExitCode(1) }
    }
}
