import ArgumentParser
import FleetCommandSupport
import FleetFiles
import FleetModel
import FleetPlan
import FleetRender
import FleetRepos

/// `fleet validate --repo DIR`: the CI check for a fleet repository.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check that every Cluster record, ApplicationSet and overlay of a fleet repository renders (for a CI job).",
        discussion: """
            Plans the repository as the hub would (Cluster records, ApplicationSets, Applications, every source they render) and also builds every kustomization in the repository, referenced or not. Prints each problem with its file and line, and a summary.

            Exit codes: 0 everything renders, 1 a problem (listed on stderr), 2 usage error. Applications that target no known cluster are warnings; --strict makes them errors.
            """
    )

    @Option(name: .long, help: "The fleet repository (a checkout; the working tree is read).")
    var repo: String = "."

    @Option(name: .long, help: "Validate the repository as it is at this revision instead.")
    var revision: String?

    @Flag(name: .long, help: "Treat warnings (Applications that target no known cluster) as errors.")
    var strict = false

    func run() throws {
        let fleet = try LocalFleet(repo: repo)
        let result = try fleet.plan(at: revision)
        var errors = 0
        var warnings = 0
        for problem in result.problems {
            if problem.kind == .unassigned && !strict {
                warnings += 1
                printError("warning: \(problem.message)")
            } else {
                errors += 1
                printError("error: \(problem.message)")
            }
        }
        // Every kustomization, referenced by an Application or not.
        let snapshot = try fleet.provider.snapshot(repoURL: fleet.provider.directory, revision: revision ?? "HEAD")
        var overlays = 0
        for directory in try kustomizationDirectories(snapshot.tree) {
            overlays += 1
            do { _ = try KustomizeBuilder(tree: snapshot.tree, options: RenderOptions(remote: fleet.planner.remoteResolver)).build(directory) } catch {
                // An overlay an Application renders has been reported with that Application: one
                // mistake, one error.
                let text = "\(error)"
                guard !result.problems.contains(where: { $0.message.contains(text) }) else { continue }
                errors += 1
                printError("error: \(text)")
            }
        }
        let assigned = result.plans.values.reduce(0) { total, plan in total + plan.applications.count }
        print("\(result.clusters.count) cluster(s), \(result.applications.count) Application(s) (\(assigned) assigned), \(overlays) kustomization(s): \(errors) error(s), \(warnings) warning(s)")
        if errors > 0 { throw ExitCode(1) }
    }

    func kustomizationDirectories(_ tree: FileTree) throws -> [String] {
        var out: [String] = []
        func walk(_ path: String) throws {
            let names = try tree.listDirectory(path)
            if names.contains(where: { ["kustomization.yaml", "kustomization.yml", "Kustomization"].contains($0) }) {
                // A Component is built only through the kustomizations that use it.
                let file = names.first { ["kustomization.yaml", "kustomization.yml", "Kustomization"].contains($0) }!
                let text = String(decoding: (try? tree.readFile(TreePath.join(path, file))) ?? [], as: UTF8.self)
                if !text.contains("kind: Component") { out.append(path) }
            }
            for name in names.sorted() where !name.hasPrefix(".") {
                let child = TreePath.join(path, name)
                if case .directory? = try tree.kind(of: child) { try walk(child) }
            }
        }
        try walk("")
        return out
    }
}
