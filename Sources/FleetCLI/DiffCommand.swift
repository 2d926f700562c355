import ArgumentParser
import FleetCommandSupport
import FleetModel
import FleetPlan

/// `fleet diff --repo DIR --from REV --to REV`.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Show what a change to the fleet repo would change on each cluster.",
        discussion: """
            Plans the fleet repository at two revisions and prints, per cluster, the Applications and objects that would be added, changed (with each differing field as a JSON pointer and both values) or removed. This is the review aid for a pull request to the fleet repo: run it with --from the target branch and --to the pull request's head.

            Exit codes, as `kubectl diff` uses them: 0 no differences, 1 differences found, 2 an error (either revision cannot be planned, or a usage error).
            """
    )

    @Option(name: .long, help: "The fleet repository (a Git checkout).")
    var repo: String = "."

    @Option(name: .long, help: "The revision before the change (branch, tag or SHA).")
    var from: String

    @Option(name: .long, help: "The revision after the change.")
    var to: String = "HEAD"

    @Option(name: .long, help: "Only this cluster.")
    var cluster: String?

    @Option(name: [.customShort("o"), .long], help: "Output: text or json.")
    var output: String = "text"

    func validate() throws {
        guard output == "text" || output == "json" else { throw ValidationError("--output must be text or json") }
    }

    func run() throws {
        do {
            try compare()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("error: \(error)")
            throw ExitCode(2)
        }
    }

    private func compare() throws {
        let fleet = try LocalFleet(repo: repo)
        let before = try fleet.plan(at: from)
        let beforeFailed = LocalFleet.report(before.problems.map { p in var p = p; p.message = "\(from): " + p.message; return p })
        let after = try fleet.plan(at: to)
        let afterFailed = LocalFleet.report(after.problems.map { p in var p = p; p.message = "\(to): " + p.message; return p })
        var clusters = Set(before.plans.keys).union(after.plans.keys).sorted()
        if let cluster { clusters = clusters.filter { $0 == cluster } }
        var all: [PlanChanges] = []
        for name in clusters {
            let old = try before.plans[name].map { try JSON.parse($0.json) }
            let new = try after.plans[name].map { try JSON.parse($0.json) }
            let changes = PlanChanges.between(old, new, cluster: name)
            if !changes.isEmpty { all.append(changes) }
        }
        if output == "json" {
            print(JSON.encode(.array(all.map(Self.json)), options: [.pretty]))
        } else {
            print(Self.text(all, from: from, to: to), terminator: "")
        }
        if beforeFailed || afterFailed { throw ExitCode(2) }
        if !all.isEmpty { throw ExitCode(1) }
    }

    static func brief(_ value: Value?) -> String {
        guard let value else { return "(absent)" }
        let text = JSON.encode(value, options: [.sortedKeys])
        return text.utf8.count > 120 ? String(text.prefix(117)) + "..." : text
    }

    static func text(_ all: [PlanChanges], from: String, to: String) -> String {
        if all.isEmpty { return "No changes between \(from) and \(to).\n" }
        var out = ""
        for changes in all {
            out += "cluster \(changes.cluster)\n"
            for app in changes.applications {
                let sign = app.kind == .added ? "+" : app.kind == .removed ? "-" : "~"
                out += "  \(sign) Application \(app.application) (\(app.kind.rawValue))\n"
                for difference in app.settings {
                    out += "      \(difference.pointer): \(brief(difference.old)) -> \(brief(difference.new))\n"
                }
                for object in app.objects {
                    let mark = object.kind == .added ? "+" : object.kind == .removed ? "-" : "~"
                    out += "    \(mark) \(object.object)\n"
                    if object.kind == .changed {
                        for difference in object.differences.prefix(50) {
                            out += "        \(difference.pointer): \(brief(difference.old)) -> \(brief(difference.new))\n"
                        }
                        if object.differences.count > 50 { out += "        ... \(object.differences.count - 50) more\n" }
                    }
                }
            }
        }
        return out
    }

    static func json(_ changes: PlanChanges) -> Value {
        func differences(_ list: [ValueDifference]) -> Value {
            .array(list.map { d in ["pointer": .string(d.pointer.description), "old": d.old ?? .null, "new": d.new ?? .null] })
        }
        return [
            "cluster": .string(changes.cluster),
            "applications": .array(changes.applications.map { app in
                [
                    "name": .string(app.application),
                    "change": .string(app.kind.rawValue),
                    "settings": differences(app.settings),
                    "objects": .array(app.objects.map { o in
                        ["object": .string(o.object), "change": .string(o.kind.rawValue), "differences": o.kind == .changed ? differences(o.differences) : .array([])]
                    }),
                ]
            }),
        ]
    }
}
