import FleetModel
import FleetProtocol
import FleetYAML

/// Planning with AppProjects: an Application is planned only within its project's rules, and
/// a broken rule is its error (file, rule and value), as Argo CD refuses such an Application.
extension FleetPlanner {
    /// Reads `projects/` (every AppProject document); `default` is implied when not defined.
    func readProjects(_ tree: FileTree, problems: inout [PlanProblem]) throws {
        var found: [String: AppProject] = [:]
        var unreadable: [String: String] = [:]
        var texts: [String] = []
        for (file, document) in try documents(in: tree, under: layout.projects, kind: "AppProject") {
            let name = document.value["metadata"]?["name"]?.stringValue ?? ""
            do {
                let project = try AppProject(document.value, source: "\(file):\(document.line)")
                guard found[project.name] == nil else {
                    problems.append(PlanProblem(kind: .application, subject: project.name, message: "\(file):\(document.line): AppProject \(project.name) is defined twice; this definition is ignored"))
                    continue
                }
                found[project.name] = project
                texts.append(JSON.encode(document.value, options: [.sortedKeys]))
            } catch {
                unreadable[name] = error.description
                problems.append(PlanProblem(kind: .application, subject: name, message: error.description))
            }
        }
        if found["default"] == nil && unreadable["default"] == nil { found["default"] = .implicitDefault }
        projects = found
        unreadableProjects = unreadable
        projectsDigest = PlanDigest.hex(Array(texts.sorted().joined(separator: "\u{0}").utf8), Array(unreadable.keys.sorted().joined(separator: ",").utf8))
    }

    /// The Application's project, or nil with the failure saying why there is none.
    func projectFor(_ application: Value, failure: inout String?) -> AppProject? {
        let name = application["spec"]?["project"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        if let project = projects[name] { return project }
        if failure == nil {
            failure = unreadableProjects[name].map { "project \(name) cannot be read: \($0)" } ?? "project \(name) does not exist (no AppProject of that name under \(layout.projects)/)"
        }
        return nil
    }
}

extension AppProject {
    /// Why the Application may not be planned on this cluster: its namespace, a source
    /// repository or its destination outside the project.
    func violation(of application: Value, cluster: ClusterRecord) -> String? {
        let namespace = application["metadata"]?["namespace"]?.stringValue ?? ""
        if !permitsApplicationNamespace(namespace) {
            return "project \(name): Applications in namespace \(namespace) are not permitted (spec.sourceNamespaces)"
        }
        for source in ApplicationPin.renderedSources(of: application) + (application["spec"]?["sources"]?.arrayValue ?? []).filter({ $0["ref"] != nil }) {
            let repoURL = source["repoURL"]?.stringValue ?? ""
            if !permitsSource(repoURL) {
                return "project \(name): application repo \(repoURL) is not permitted (spec.sourceRepos)"
            }
        }
        let destinationNamespace = application["spec"]?["destination"]?["namespace"]?.stringValue ?? ""
        if !permitsDestination(server: cluster.server, names: [cluster.name, cluster.argoCDName], namespace: destinationNamespace) {
            return "project \(name): destination {server: \(cluster.server), name: \(cluster.argoCDName), namespace: \(destinationNamespace)} is not permitted (spec.destinations)"
        }
        return nil
    }

    /// Why a rendered object may not be deployed: its kind (cluster-scoped kinds need
    /// `clusterResourceWhitelist`), or its namespace outside the project's destinations.
    func violation(of resources: [PlannedResource], cluster: ClusterRecord) -> String? {
        for resource in resources {
            if let violation = rules.violation(group: resource.group, kind: resource.kind, namespace: resource.namespace, name: resource.name,
                                               server: cluster.server, clusterNames: [cluster.name, cluster.argoCDName]) {
                return violation
            }
        }
        return nil
    }
}
