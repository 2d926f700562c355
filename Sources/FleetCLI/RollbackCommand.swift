import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetProtocol

/// `fleet rollback APP --to REVISION [--cluster C]` and `fleet rollback APP --clear`.
struct RollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Pin an Application to an earlier revision of its source (suspending automated sync), or --clear to return to Git.",
        discussion: """
            --to takes a commit SHA (full or short), a tag or a branch of the Application's source repository; the hub resolves it to a commit, renders the Application at that commit, removes spec.syncPolicy.automated from it (so the next commit to Git does not undo the rollback) and asks its spoke to sync once, which applies the old revision. The pin is kept in the hub's database and the audit log (`fleet events`), and `fleet status` marks the Application as rolled back.

            --clear removes the pin: the Application follows Git again, with Git's sync policy. With automated sync the spoke returns to Git at once; without it, run `fleet sync APP`.

            A rollback is for buying time. The fix belongs in Git: revert the commit, then clear the rollback.
            """
    )
    @OptionGroup var hub: HubOptions
    @Argument(help: "The Application (as `fleet apps` lists it).") var application: String
    @Option(name: .long, help: "The revision to pin to: a commit SHA, tag or branch of the Application's source repository.") var to: String?
    @Option(name: .long, help: "Check that the Application runs on this cluster.") var cluster: String?
    @Flag(name: .long, help: "Remove the pin and return to Git.") var clear = false

    func validate() throws {
        if clear == (to != nil) { throw ValidationError("give either --to REVISION or --clear") }
        if clear, cluster != nil { throw ValidationError("--cluster goes with --to") }
    }

    func run() throws {
        let client = try hub.client()
        if clear {
            let (value, cleared) = try client.send("DELETE", "/api/v1/applications/\(application)/rollback", RollbackCleared.init)
            hub.print(value) {
                "\(application) on \(cleared.cluster) follows Git again"
                    + (cleared.automated ? " (automated sync: the spoke returns to Git now)\n" : "; it has no automated sync: run `fleet sync \(application)`\n")
            }
            return
        }
        let request = RollbackRequest(revision: to ?? "", cluster: cluster)
        let (value, accepted) = try client.send("POST", "/api/v1/applications/\(application)/rollback", body: request.value, RollbackAccepted.init)
        hub.print(value) {
            var out = "\(application) on \(accepted.rollback.cluster) pinned to \(accepted.rollback.revision) (\(request.revision))"
            out += "; automated sync suspended, sync requested\n"
            if let error = accepted.error { out += "warning: the pinned revision does not render: \(error)\n" }
            out += "undo with: fleet rollback \(application) --clear\n"
            return out
        }
    }
}
