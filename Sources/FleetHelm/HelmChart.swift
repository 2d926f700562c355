import FleetArchive
import FleetModel
import FleetTemplate
import FleetYAML

/// A chart as Helm's loader reads a chart directory: `Chart.yaml`, `values.yaml` (numbers as
/// Helm has them after its YAML-to-JSON step: float64), the templates, `crds/`, the other files
/// (for `.Files`, `.helmignore` applied), `values.schema.json`, and the subcharts unpacked
/// under `charts/`.
public struct HelmChart: Sendable {
    /// `Chart.yaml` as written.
    public var metadata: ValueObject
    public var name: String
    public var version: String
    /// `v1` (Helm 2 charts, dependencies in `requirements.yaml`) or `v2`.
    public var apiVersion: String
    /// `application` (the default) or `library` (templates to include, nothing rendered).
    public var type: String
    public var values: ValueObject
    /// Paths relative to the chart (`templates/deployment.yaml`), sorted.
    public var templates: [(path: String, text: String)]
    public var crds: [(path: String, bytes: [UInt8])]
    public var files: [(path: String, bytes: [UInt8])]
    public var schema: [UInt8]?
    /// The dependencies `Chart.yaml` (or a v1 chart's `requirements.yaml`) declares.
    public var declaredDependencies: [Value]
    /// The charts under `charts/`, by directory.
    public var subcharts: [HelmChart]

    public var isLibrary: Bool { type == "library" }

    /// Files Helm's loader reads as the chart itself, not as `.Files`.
    static let metadataFiles: Set<String> = ["Chart.yaml", "Chart.lock", "values.yaml", "values.schema.json", "requirements.yaml", "requirements.lock"]

    /// How deep subcharts may nest (a hostile repository could nest without end).
    public static let maxDepth = 32

    public static func load(tree: FileTree, path: String, depth: Int = 0) throws(HelmError) -> HelmChart {
        guard depth <= maxDepth else { throw HelmError("subcharts nest more than \(maxDepth) levels deep at \(path)") }
        func read(_ relative: String) throws(HelmError) -> [UInt8]? {
            let full = TreePath.join(path, relative)
            guard (try? tree.kind(of: full)) == .file else { return nil }
            do { return try tree.readFile(full) } catch { throw HelmError("cannot read \(tree.displayPath(full)): \(error)") }
        }
        guard let chartFile = try read("Chart.yaml") else {
            throw HelmError("Chart.yaml file is missing in \(tree.displayPath(path))")
        }
        let metadata: ValueObject
        do {
            metadata = try YAML.parse(chartFile, source: "Chart.yaml").objectValue ?? [:]
        } catch {
            throw HelmError("cannot load Chart.yaml: error converting YAML to JSON: \(error.goText ?? "yaml: line \(error.line): \(error.message)")")
        }
        let name = metadata["name"]?.stringValue ?? ""
        let version = metadata["version"].map { YAML.plainScalarText($0) ?? $0.stringValue ?? "" } ?? ""
        // Helm 3 reads a Chart.yaml without apiVersion as a Helm 2 (v1) chart.
        let apiVersion = metadata["apiVersion"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? "v1"
        let type = metadata["type"]?.stringValue ?? ""
        try validate(apiVersion: apiVersion, name: name, version: version, type: type)

        var values: ValueObject = [:]
        if let bytes = try read("values.yaml") {
            do {
                // Helm reads values through JSON: every number a float64.
                values = goNumbers(try YAML.parse(bytes, source: "values.yaml")).objectValue ?? [:]
            } catch {
                throw HelmError("cannot load values.yaml: error converting YAML to JSON: \(error.goText ?? "yaml: line \(error.line): \(error.message)")")
            }
        }
        var declared = metadata["dependencies"]?.arrayValue ?? []
        if apiVersion == "v1", let bytes = try read("requirements.yaml") {
            do {
                declared = (try YAML.parse(bytes, source: "requirements.yaml"))["dependencies"]?.arrayValue ?? []
            } catch {
                throw HelmError("cannot load requirements.yaml: error converting YAML to JSON: \(error.goText ?? "yaml: line \(error.line): \(error.message)")")
            }
        }

        let ignore = HelmIgnore(try read(".helmignore").map { String(decoding: $0, as: UTF8.self) } ?? "")
        var chart = HelmChart(metadata: metadata, name: name, version: version, apiVersion: apiVersion,
                              type: type.isEmpty ? "application" : type, values: values, templates: [], crds: [], files: [],
                              schema: try read("values.schema.json"), declaredDependencies: declared, subcharts: [])
        for relative in try Self.files(in: tree, root: path, relative: "", ignore: ignore) {
            let full = TreePath.join(path, relative)
            let bytes: [UInt8]
            do { bytes = try tree.readFile(full) } catch { throw HelmError("cannot read \(tree.displayPath(full)): \(error)") }
            // Helm's loader: the chart's own files are not `.Files`; CRDs are, and are
            // also installed from there; hidden files under templates/ are ignored.
            if Self.metadataFiles.contains(relative) || relative.hasPrefix("charts/") { continue }
            if relative.hasPrefix("templates/") {
                if !(relative.split(separator: "/").last?.hasPrefix(".") ?? false) {
                    chart.templates.append((relative, String(decoding: bytes, as: UTF8.self)))
                }
                continue
            }
            if relative.hasPrefix("crds/") { chart.crds.append((relative, bytes)) }
            chart.files.append((relative, bytes))
        }
        chart.subcharts = try subcharts(in: tree, path: path, chartName: name, depth: depth)
        return chart
    }

    /// Helm's `chart.Validate` on Chart.yaml's metadata, with its messages.
    private static func validate(apiVersion: String, name: String, version: String, type: String) throws(HelmError) {
        if apiVersion.isEmpty { throw HelmError("validation: chart.metadata.apiVersion is required") }
        if name.isEmpty { throw HelmError("validation: chart.metadata.name is required") }
        if name.contains("/") || name.contains("\\") || name == "." || name == ".." || name.contains("..") {
            throw HelmError("validation: chart.metadata.name \"\(name)\" is invalid")
        }
        if version.isEmpty { throw HelmError("validation: chart.metadata.version is required") }
        if SemanticVersion(version) == nil { throw HelmError("validation: chart.metadata.version \"\(version)\" is invalid") }
        if !["", "application", "library"].contains(type) { throw HelmError("validation: chart.metadata.type must be application or library") }
    }

    /// The charts under `charts/`, as directories or packaged `.tgz` archives.
    private static func subcharts(in tree: FileTree, path: String, chartName name: String, depth: Int) throws(HelmError) -> [HelmChart] {
        var subcharts: [HelmChart] = []
        for entry in (try? tree.listDirectory(TreePath.join(path, "charts"))) ?? [] {
            let subpath = TreePath.join(path, "charts/" + entry)
            if (try? tree.kind(of: subpath)) == .directory {
                do {
                    subcharts.append(try load(tree: tree, path: subpath, depth: depth + 1))
                } catch {
                    throw HelmError("error unpacking subchart \(entry) in \(name): \(error.message)")
                }
            } else if entry.hasSuffix(".tgz") {
                do throws(HelmError) {
                    let bytes: [UInt8]
                    do { bytes = try tree.readFile(subpath) } catch { throw HelmError("cannot read \(tree.displayPath(subpath)): \(error)") }
                    subcharts.append(try load(archive: bytes, displayName: tree.displayPath(subpath), depth: depth + 1))
                } catch {
                    throw HelmError("error unpacking subchart \(entry) in \(name): \(error.message)")
                }
            }
        }
        return subcharts
    }

    /// Helm's limits for a packaged chart (`loader.MaxDecompressedChartSize` and
    /// `MaxDecompressedFileSize`).
    public static let maxArchiveSize = 100 * 1024 * 1024
    public static let maxArchiveFileSize = 5 * 1024 * 1024

    /// A packaged chart (`.tgz`), read as Helm's archive loader does: the first path
    /// component (the chart's directory) dropped, absolute paths and `..` refused.
    public static func load(archive: [UInt8], displayName: String, depth: Int = 0) throws(HelmError) -> HelmChart {
        try load(tree: unpack(archive: archive, displayName: displayName), path: "", depth: depth)
    }

    /// A packaged chart's files as a tree, the chart at its root.
    public static func unpack(archive: [UInt8], displayName: String) throws(HelmError) -> InMemoryFileTree {
        let entries: [TarArchive.Entry]
        do {
            let tar = try Gzip.decompress(archive, limit: maxArchiveSize)
            entries = try TarArchive.files(tar, fileLimit: maxArchiveFileSize, totalLimit: maxArchiveSize)
        } catch {
            throw HelmError(error.message)
        }
        var tree = InMemoryFileTree(displayName: displayName)
        for entry in entries {
            let delimiter: Character = entry.path.contains("\\") ? "\\" : "/"
            let parts = entry.path.split(separator: delimiter, omittingEmptySubsequences: false)
            if parts.count == 1, parts[0] == "Chart.yaml" { throw HelmError("chart yaml not in base directory") }
            let relative = parts.dropFirst().joined(separator: "/")
            if relative.hasPrefix("/") { throw HelmError("chart illegally contains absolute paths") }
            let cleaned = GoPath.clean(relative)
            if cleaned == "." { throw HelmError("chart illegally contains content outside the base directory: \"\(entry.path)\"") }
            if cleaned.hasPrefix("..") { throw HelmError("chart illegally references parent directory") }
            tree.write(cleaned, bytes: entry.bytes)
        }
        if (try? tree.kind(of: "Chart.yaml")) != .file { throw HelmError("Chart.yaml file is missing") }
        return tree
    }

    /// Every regular file below the chart, as chart-relative paths, sorted, `.helmignore` applied.
    private static func files(in tree: FileTree, root: String, relative: String, ignore: HelmIgnore) throws(HelmError) -> [String] {
        let directory = TreePath.join(root, relative)
        let names: [String]
        do { names = try tree.listDirectory(directory) } catch { throw HelmError("cannot list \(tree.displayPath(directory)): \(error)") }
        var result: [String] = []
        for name in names {
            let path = relative.isEmpty ? name : relative + "/" + name
            switch try? tree.kind(of: TreePath.join(root, path)) {
            case .directory?:
                if ignore.ignores(path, isDirectory: true) || path == "charts" { continue }
                result += try files(in: tree, root: root, relative: path, ignore: ignore)
            case .file?:
                if !ignore.ignores(path, isDirectory: false) { result.append(path) }
            default:
                continue
            }
        }
        return result.sorted()
    }

    /// Dependencies `Chart.yaml` declares that `charts/` lacks.
    public var missingDependencies: [String] {
        let present = Set(subcharts.map(\.name) + subcharts.compactMap { $0.metadata["name"]?.stringValue })
        return declaredDependencies.compactMap { dependency in
            guard let name = dependency["name"]?.stringValue, !present.contains(name) else { return nil }
            return name
        }
    }
}

/// `.helmignore`: one pattern per line (`#` comments), globs (`HelmFiles.glob`) on the base name, or
/// on the whole path when the pattern has a `/`; a trailing `/` matches directories only; `!`
/// negates; the last matching rule decides.
struct HelmIgnore {
    struct Rule {
        var pattern: String
        var negate: Bool
        var directoryOnly: Bool
        /// Compiled once: a chart's every file is checked against every rule.
        var glob: GlobPattern
        var matchesPath: Bool { pattern.contains("/") }
    }

    let rules: [Rule]

    init(_ text: String) {
        var rules: [Rule] = []
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            var line = String(raw).trimmingWhitespace()
            if line.isEmpty || line.hasPrefix("#") { continue }
            var negate = false
            if line.hasPrefix("!") { negate = true; line.removeFirst() }
            var directoryOnly = false
            if line.hasSuffix("/") { directoryOnly = true; line.removeLast() }
            if line.hasPrefix("/") { line.removeFirst() }
            rules.append(Rule(pattern: line, negate: negate, directoryOnly: directoryOnly, glob: HelmFiles.glob(line)))
        }
        self.rules = rules
    }

    func ignores(_ path: String, isDirectory: Bool) -> Bool {
        guard !rules.isEmpty else { return false }
        var ignored = false
        let base = TreePath.basename(of: path)
        for rule in rules where !rule.directoryOnly || isDirectory {
            if rule.glob.matches(rule.matchesPath ? path : base) { ignored = !rule.negate }
        }
        return ignored
    }
}
