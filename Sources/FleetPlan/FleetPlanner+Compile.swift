import FleetAppSet
import FleetHelm
import FleetModel
import FleetProtocol
import FleetRender
import FleetYAML
import OrderedCollections

/// Planning step 3: each Application's sources rendered and compiled into its plan entry (the
/// entry's bytes reused while its inputs are unchanged, the last good resources kept when it
/// fails), and each cluster's entries assembled into its canonical plan.
extension FleetPlanner {
    // MARK: Compile one Application

    func compile(_ application: Value, identity: String, cluster: ClusterRecord, snapshots: inout [String: RepositorySnapshot], rendered: inout Int,
                         problems: inout [PlanProblem], used: inout Set<String>) -> ([UInt8], [String: String], String?) {
        let name = application["metadata"]?["name"]?.stringValue ?? ""
        let sources = ApplicationPin.renderedSources(of: application)
        var revisions: [String: String] = [:]
        var objects: [Value] = []
        var tokens: [String] = []
        var failure: String?
        var sourceHeaders: [Value] = []
        if sources.isEmpty { failure = "spec.source is missing" }
        let project = projectFor(application, failure: &failure)
        if let project, failure == nil { failure = project.violation(of: application, cluster: cluster) }
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
        let fragmentKey = identity + "\u{0}" + tokens.joined(separator: ",") + "\u{0}" + projectsDigest
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
        // The implicit default project allows everything: nothing to carry.
        if let project, project.rules != AppProject.implicitDefault.rules {
            var rules = project.rules
            rules.clusterNames = cluster.argoCDName == cluster.name ? [cluster.name] : [cluster.name, cluster.argoCDName]
            entry.projectRules = rules
        }
        if failure == nil {
            do throws(ApplicationError) {
                let resources = try ApplicationCompiler.resources(application: name, destinationNamespace: entry.namespace, objects: objects)
                if let project, let violation = project.violation(of: resources, cluster: cluster) { throw ApplicationError(application: name, message: violation) }
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


    func assemblePlan(cluster: ClusterRecord, applications: [[UInt8]], revisions: [String: String], names: [String], stateKey: String?,
                      allowEmpty: Bool = false, holdRemovals: String? = nil) -> ClusterPlan {
        var state: [UInt8]
        var id: String
        if let stateKey, let cached = states[cluster.name], cached.key == stateKey {
            state = cached.state
            id = cached.id
        } else {
            state = CanonicalPlanWriter.desiredState(entries: applications, cluster: cluster.name, allowEmpty: allowEmpty, holdRemovals: holdRemovals)
            let tail = CanonicalPlanWriter.stateTail(server: cluster.server)
            id = "sha256:" + PlanDigest.hex(state, tail)
            if let stateKey { states[cluster.name] = (stateKey, state, id) } else { states[cluster.name] = nil }
        }
        return ClusterPlan(cluster: cluster.name, id: id, applications: names, revisions: revisions, state: state, server: cluster.server)
    }
}
