import ArgumentParser
import FleetModel
import FleetProtocol
import FleetReconcile
import FleetSpoke
import FleetYAML

/// `spoke local ...`: look at and change the embedded local cluster by hand, as one would
/// with kubectl: edits are drift the agent sees on its next tick; a wipe is a lost cluster.
struct LocalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "local",
        abstract: "Inspect and edit the embedded local cluster (drift and disaster drills).",
        subcommands: [List.self, Get.self, Edit.self, Scale.self, Delete.self, Wipe.self]
    )

    struct Options: ParsableArguments {
        @Option(name: .long, help: "The spoke's state directory.")
        var state: String = "spoke-state"

        func cluster() throws -> LocalCluster { try LocalSession(state: state).cluster }
    }

    /// `KIND/NAMESPACE/NAME` or `KIND/NAME` (cluster-scoped), kind case-insensitive.
    static func find(_ reference: String, in cluster: LocalCluster) throws -> ResourceKey {
        let parts = reference.split(separator: "/").map(String.init)
        guard parts.count == 2 || parts.count == 3 else { throw ValidationError("name a resource as KIND/NAMESPACE/NAME or KIND/NAME") }
        let kind = parts[0].lowercased(), name = parts.last!, namespace = parts.count == 3 ? parts[1] : ""
        let matches = try cluster.all().map(\.0).filter { $0.kind.lowercased() == kind && $0.name == name && (parts.count == 2 || $0.namespace == namespace) }
        guard let key = matches.first else { throw SpokeFailure("no \(reference) in the local cluster") }
        return key
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the live objects with their health.")
        @OptionGroup var options: Options
        func run() throws {
            let cluster = try options.cluster()
            try cluster.advance(now: cluster.clock())
            for (key, object) in try cluster.all() {
                let health = ResourceHealth.assess(object)
                let app = object["metadata"]?["labels"]?[PlanFormat.applicationLabel]?.stringValue ?? "-"
                print("\(key)\t\(health.status.rawValue)\t\(app)")
            }
        }
    }

    struct Get: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one object as YAML.")
        @OptionGroup var options: Options
        @Argument(help: "KIND/NAMESPACE/NAME") var resource: String
        func run() throws {
            let cluster = try options.cluster()
            try cluster.advance(now: cluster.clock())
            let key = try LocalCommand.find(resource, in: cluster)
            print(YAML.emit(try cluster.get(key) ?? .null, options: .kustomize), terminator: "")
        }
    }

    struct Edit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Change fields of a live object by hand (drift), like kubectl edit.",
            discussion: "Each --set POINTER=VALUE sets the field at the JSON pointer; VALUE is read as JSON when it parses (5, true, {\"a\": 1}, \"text\"), else as a string. --remove POINTER deletes a field."
        )
        @OptionGroup var options: Options
        @Argument(help: "KIND/NAMESPACE/NAME") var resource: String
        @Option(name: .long, parsing: .singleValue, help: "POINTER=VALUE, e.g. /spec/template/spec/containers/0/image=nginx:1.27") var set: [String] = []
        @Option(name: .long, parsing: .singleValue, help: "A JSON pointer to delete.") var remove: [String] = []

        func validate() throws {
            guard !set.isEmpty || !remove.isEmpty else { throw ValidationError("give at least one --set or --remove") }
            for assignment in set where !assignment.hasPrefix("/") || !assignment.contains("=") {
                throw ValidationError("--set takes POINTER=VALUE with a JSON pointer (/spec/replicas=3)")
            }
        }

        func run() throws {
            let cluster = try options.cluster()
            let key = try LocalCommand.find(resource, in: cluster)
            var operations: [JSONPatchOperation] = []
            for assignment in set {
                let equals = assignment.firstIndex(of: "=")!
                let pointer = try JSONPointer(parsing: String(assignment[..<equals]))
                let text = String(assignment[assignment.index(after: equals)...])
                let value = (try? JSON.parse(text)) ?? .string(text)
                operations.append(JSONPatchOperation(kind: .add, path: pointer, value: value))
            }
            for pointer in remove { operations.append(JSONPatchOperation(kind: .remove, path: try JSONPointer(parsing: pointer))) }
            try cluster.edit(key) { object in object = try JSONPatch.apply(operations, to: object) }
            print("\(key) edited")
        }
    }

    struct Scale: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set spec.replicas by hand (drift).")
        @OptionGroup var options: Options
        @Argument(help: "KIND/NAMESPACE/NAME") var resource: String
        @Option(name: .long, help: "The replica count.") var replicas: Int
        func run() throws {
            let cluster = try options.cluster()
            let key = try LocalCommand.find(resource, in: cluster)
            try cluster.edit(key) { $0.setValue(.int(replicas), at: ["spec", "replicas"]) }
            print("\(key) scaled to \(replicas)")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete one object by hand.")
        @OptionGroup var options: Options
        @Argument(help: "KIND/NAMESPACE/NAME") var resource: String
        func run() throws {
            let cluster = try options.cluster()
            let key = try LocalCommand.find(resource, in: cluster)
            try cluster.delete(key)
            print("\(key) deleted")
        }
    }

    struct Wipe: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete every object: a lost cluster, for DR drills.")
        @OptionGroup var options: Options
        @Flag(name: .long, help: "Also make the spoke forget what it applied, as a freshly installed spoke would.") var forget = false
        func run() throws {
            let session = try LocalSession(state: options.state)
            try session.cluster.wipe()
            if forget { try session.reconciler.state.resetForDrill() }
            print(forget ? "local cluster wiped; the spoke's memory cleared" : "local cluster wiped")
        }
    }
}
