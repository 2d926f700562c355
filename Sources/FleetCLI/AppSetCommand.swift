import FleetRepos
import FleetFiles
import ArgumentParser
import FleetAppSet
import FleetCommandSupport
import FleetModel
import FleetYAML

/// `fleet appset`: ApplicationSet tools that work on a checkout, with no hub.
public struct AppSetCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "appset",
        abstract: "Work with Argo CD ApplicationSets offline.",
        subcommands: [AppSetGenerateCommand.self]
    )
    public init() {}
}

/// `fleet appset generate APPSET --clusters FILE --repo DIR`.
public struct AppSetGenerateCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Print the Applications an ApplicationSet generates, as Argo CD would create them.",
        discussion: """
            Expands every ApplicationSet in APPSET (argoproj.io/v1alpha1; list, clusters, git, matrix and merge generators; fasttemplate or goTemplate; templatePatch) and prints the Applications as a multi-document YAML stream sorted by metadata.name, with the metadata Argo CD sets (the ApplicationSet's namespace, the resources finalizer), so the output can be compared with Argo CD's.

            Clusters come from --clusters: Cluster records (apiVersion fleet/v1alpha1) or Argo CD cluster Secrets, in a file or a directory of YAML files. Without --clusters, the records under <repo>/clusters are used.

            Git generators read the repository --repo at the generator's revision (with libgit2, from the object database; uncommitted and ignored files are not read, as Argo CD never sees them), whatever repoURL they name. A directory outside any Git repository is read as it is on disk.

            Exit codes: 0 generated, 1 the set cannot be generated (the message names the file, the generator and the reason), 2 usage error.
            """
    )

    @Argument(help: "A YAML file with one or more ApplicationSets.")
    public var appset: String

    @Option(name: .long, help: "Cluster records: a YAML file or a directory of them (default: <repo>/clusters).")
    public var clusters: String?

    @Option(name: .long, help: "The Git repository git generators read (default: the current directory).")
    public var repo: String = "."

    public init() {}

    public func run() throws {
        let provider = try LocalRepositoryProvider(directory: repo, readsWorkTree: false)
        let records = try ClusterFiles.load(clusters ?? provider.directory + "/clusters", required: clusters != nil)
        let documents = try YAMLFiles.read(appset)
        let generator = ApplicationSetGenerator(clusters: records, repositories: provider)
        var applications: [Value] = []
        var found = 0
        for document in documents where document.value["kind"]?.stringValue == "ApplicationSet" {
            found += 1
            let source = document.line > 0 ? "\(appset):\(document.line)" : appset
            applications += try generator.generate(document.value, source: source).applications
        }
        guard found > 0 else { throw CommandFailure("\(appset): no ApplicationSet in the file") }
        applications.sort { ($0["metadata"]?["name"]?.stringValue ?? "") < ($1["metadata"]?["name"]?.stringValue ?? "") }
        for (index, application) in applications.enumerated() {
            let name = application["metadata"]?["name"]?.stringValue ?? ""
            if index > 0, applications[index - 1]["metadata"]?["name"]?.stringValue == name {
                throw CommandFailure("\(appset): two ApplicationSets generate an Application named \"\(name)\"")
            }
        }
        print(YAML.emitStream(applications, options: .kustomize), terminator: "")
    }
}
