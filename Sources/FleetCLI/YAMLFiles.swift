import FleetFiles
import FleetAppSet
import FleetModel
import FleetYAML

/// YAML files named on the command line.
enum YAMLFiles {
    static func read(_ path: String) throws -> [YAMLDocument] {
        let bytes = try LocalPaths.read(path)
        return try YAML.parseStream(bytes, source: path)
    }

    /// Every `.yaml`/`.yml` file of a directory (not recursive), or the file itself.
    static func readAll(_ path: String) throws -> [(String, [YAMLDocument])] {
        if LocalPaths.isDirectory(path) {
            return try LocalPaths.files(in: path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { ($0, try read($0)) }
        }
        return [(path, try read(path))]
    }
}

/// Cluster records from files.
enum ClusterFiles {
    static func load(_ path: String, required: Bool) throws -> [ClusterRecord] {
        guard LocalPaths.exists(path) else {
            if required { throw CommandFailure("\(path): no such file or directory") }
            return []
        }
        var records: [ClusterRecord] = []
        var seen: [String: String] = [:]
        for (file, documents) in try YAMLFiles.readAll(path) {
            for record in try ClusterCatalog.clusters(in: documents, source: file) {
                if let earlier = seen[record.name] {
                    throw CommandFailure("\(record.source): cluster \"\(record.name)\" is already defined at \(earlier)")
                }
                seen[record.name] = record.source
                records.append(record)
            }
        }
        return records
    }
}
