import CMalloc
import Dispatch
import FleetGit
import FleetModel
import FleetRepos
import FleetPlan

/// What one sync round found.
struct RoundResult: Sendable {
    var fleetCommit: String?
    var commitInfo: GitCommitInfo?
    var planSet: FleetPlanSet?
    var fetchErrors: [String: String]
    var fetchSeconds: [String: Double]
    var planError: String?
    var planDuration: Duration?
    /// Which set of rollback pins the plan was made with (a newer set makes it stale).
    var pinsVersion = 0
    /// The Applications each ApplicationSet has now, when that changed this round (the hub
    /// keeps them, so a restarted hub applies `applicationsSync` to what it had).
    var ownedApplications: [String: [Value]]?
}

/// Fetching and planning, on one serial queue off Swift's cooperative pool (each round on a
/// thread with a large stack): libgit2 handles are used by one thread at a time, and a long
/// planning round never blocks the HTTP server.
final class PlanningWorker: @unchecked Sendable {
    // @unchecked: `mirrors`, `planner` and `lastPlanned` are only touched on `queue`.
    private let queue = DispatchQueue(label: "fleet.hub.planning")
    let mirrors: MirrorSet
    private let planner: FleetPlanner
    private var lastPlanned: String?
    private var lastOwned: [String: [Value]] = [:]
    private let config: HubConfig

    init(config: HubConfig) {
        self.config = config
        mirrors = MirrorSet(config: config)
        planner = FleetPlanner(repositories: mirrors, fleetRepoURL: config.repositoryURL,
                               limits: PlanningLimits(itemSeconds: config.renderTimeout.seconds, maxPlanBytes: config.maxPlanBytes))
        // Helm chart repositories: indexes trusted for three minutes (Argo CD's default
        // repository cache), archives kept on disk by digest, credentials by URL prefix.
        planner.kustomizeEnableHelm = config.kustomizeEnableHelm
        planner.applicationSetPolicy = config.applicationSetPolicy
        planner.helmRepositories = HelmRepositoryCache(cacheDirectory: config.stateDirectory + "/helm-charts", indexMaxAge: 180,
                                                       options: { [config] url in config.remoteOptions(for: url) })
    }

    /// Fetches the fleet repository (and `only`, or every repository Applications use), then
    /// plans when something moved or `force` is set.
    func round(force: Bool, only: String?, pins: [String: ApplicationPin] = [:], pinsVersion: Int = 0) async -> RoundResult {
        await withCheckedContinuation { continuation in
            queue.async {
                self.planner.pins = pins
                // Rendering recurses as deep as inputs may nest: give it the stack for that.
                var result = (try? LargeStack.run { self.runRound(force: force, only: only) })
                    ?? RoundResult(fetchErrors: [:], fetchSeconds: [:], planError: "the planning thread could not start")
                result.pinsVersion = pinsVersion
                // Each round runs on a new thread, which glibc may give a heap arena of its
                // own; hand what the round freed back rather than keep it per arena.
                malloc_trim(0)
                continuation.resume(returning: result)
            }
        }
    }

    /// What each ApplicationSet had when the hub last ran (before the first round).
    func restoreOwnedApplications(_ owned: [String: [Value]]) {
        queue.sync {
            planner.ownedApplications = owned
            lastOwned = owned
        }
    }

    /// The full commit `revision` names in `repoURL` (fetched first if never seen).
    func resolve(repoURL: String, revision: String) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try self.mirrors.snapshot(repoURL: repoURL, revision: revision).commit })
            }
        }
    }

    private func runRound(force: Bool, only: String?) -> RoundResult {
        mirrors.beginRound()
        // Remote kustomize bases: fetched once this round (with the credentials configured for
        // their URL) and shared by every render that names them.
        let config = self.config
        planner.remoteResolver = RemoteBaseCache(cacheDirectory: config.stateDirectory + "/remote-bases",
                                                 options: { url in config.remoteOptions(for: url) })
        var moved = false
        let targets: [String]
        if let only {
            targets = [mirrors.canonical(only)]
        } else {
            targets = [config.repositoryURL] + mirrors.knownURLs.filter { $0 != config.repositoryURL }.sorted()
        }
        for url in targets {
            if (try? mirrors.fetch(url)) == true { moved = true }
        }
        var result = RoundResult(fetchErrors: mirrors.fetchErrors, fetchSeconds: mirrors.fetchSeconds)
        let commit: String
        do { commit = try mirrors.fleetCommit() } catch {
            result.planError = "the fleet repository has no branch \(config.branch) yet: \(error)"
            return result
        }
        result.fleetCommit = commit
        result.commitInfo = try? mirrors.commitInfo(config.repositoryURL, commit)
        guard force || moved || commit != lastPlanned else { return result }
        let clock = ContinuousClock()
        let start = clock.now
        do {
            result.planSet = try planner.plan(revision: commit)
            lastPlanned = commit
            if planner.ownedApplications != lastOwned {
                lastOwned = planner.ownedApplications
                result.ownedApplications = lastOwned
            }
        } catch {
            result.planError = "\(error)"
        }
        result.planDuration = clock.now - start
        return result
    }
}
