import FleetAppSet
import FleetTemplate
import FleetHubCore
import FleetModel
import FleetProtocol
import FleetRegex
import FleetRender
import FleetYAML

/// The entry points `make fuzz` drives with libFuzzer, and that a regular test replays over
/// the committed corpus and every crasher kept as a regression (Tests/FuzzCorpus). Each takes
/// arbitrary bytes, must never crash or hang, and checks what can be checked without an oracle
/// (a JSON round trip is the identity, matches lie inside their text).
public enum FuzzTargets {
    public static let all: [String: @Sendable ([UInt8]) -> Void] = [
        "yaml": yaml, "json": json, "template": template, "appset": appSet,
        "kustomize": kustomize, "request": request, "regex": regex,
    ]

    /// libyaml events to values, every document, and back to YAML.
    public static func yaml(_ bytes: [UInt8]) {
        guard let documents = try? YAML.parseStream(bytes, options: YAMLParseOptions(maxBytes: 1 << 20, recordLines: true)) else { return }
        _ = YAML.emitStream(documents.map(\.value))
    }

    /// The JSON codec: what parses re-encodes to something that parses to the same value, as a
    /// float64 reader (Go, JavaScript) sees numbers. Like Go, the encoder writes a double's
    /// shortest digits, so an integral double past 2^53 (`1.4236589589040466e18`) comes back as
    /// the integer `1423658958904046600`: the same float64, not the same exact integer.
    public static func json(_ bytes: [UInt8]) {
        guard let value = try? JSON.parse(bytes) else { return }
        let encoded = JSON.encodeBytes(value, options: [.sortedKeys])
        guard let again = try? JSON.parse(encoded) else { fatalError("encoded JSON does not parse: \(String(decoding: encoded, as: UTF8.self))") }
        precondition(sameAsFloat64(again, value), "JSON round trip changed the value: \(String(decoding: encoded, as: UTF8.self))")
    }

    private static func sameAsFloat64(_ a: Value, _ b: Value) -> Bool {
        switch (a, b) {
        case let (.int(x), .double(y)), let (.double(y), .int(x)): return Double(x) == y
        case let (.array(x), .array(y)): return x.count == y.count && zip(x, y).allSatisfy(sameAsFloat64)
        case let (.object(x), .object(y)):
            return x.count == y.count && x.allSatisfy { key, member in y[key].map { sameAsFloat64(member, $0) } ?? false }
        default: return a == b
        }
    }

    /// Go text/template with Sprig, on a fixed parameter set: first line options, rest the template.
    public static func template(_ bytes: [UInt8]) {
        let text = String(decoding: bytes.prefix(1 << 16), as: UTF8.self)
        let parameters: Value = ["name": "us-east-1", "server": "https://10.0.0.1:6443", "n": .double(3),
                                 "labels": ["env": "prod", "region": "us-east-1"], "zones": ["a", "b", "c"], "flag": true]
        guard let parsed = try? GoTemplate(parsing: text) else { return }
        _ = try? parsed.execute(parameters, missingKey: .noValue)
        _ = try? parsed.execute(parameters, missingKey: .error)
    }

    /// ApplicationSet generation (every generator, both template engines) against three
    /// clusters and a small repository for the git generators.
    public static func appSet(_ bytes: [UInt8]) {
        guard bytes.count <= 1 << 16, let document = try? YAML.parse(bytes) else { return }
        let clusters = ["us-east-1", "us-west-2", "eu-west-1"].map { name in
            ClusterRecord(name: name, labels: ["region": .string(name), "env": name.hasPrefix("us") ? "prod" : "staging"],
                          server: "https://\(name).example.com:6443")
        }
        let generator = ApplicationSetGenerator(clusters: clusters, repositories: FuzzRepository())
        _ = try? WorkDeadline.run(seconds: 5, reason: "the fuzz input took longer than 5s") {
            try generator.generate(document, source: "fuzz.yaml")
        }
    }

    /// `kustomize build` of a tree written as `=== path` lines each followed by the file, the
    /// first kustomization found at the root or under `overlay/`.
    public static func kustomize(_ bytes: [UInt8]) {
        guard bytes.count <= 1 << 18 else { return }
        let tree = InMemoryFileTree(files: unpack(String(decoding: bytes, as: UTF8.self)))
        let root = (try? tree.kind(of: "overlay")) == .directory ? "overlay" : ""
        _ = try? WorkDeadline.run(seconds: 5, reason: "the fuzz input took longer than 5s") { () throws(RenderError) in
            let result = try KustomizeBuilder(tree: tree).build(root)
            _ = YAML.emitStream(result.objects, options: .kustomize)
        }
    }

    /// What the hub decodes from requests: a status report, a label selector, a webhook payload.
    public static func request(_ bytes: [UInt8]) {
        if let value = try? JSON.parse(bytes) {
            _ = try? StatusReport(value)
            _ = value["repository"]?["clone_url"]?.stringValue
        }
        _ = try? LabelSelector(parsing: String(decoding: bytes.prefix(4096), as: UTF8.self))
    }

    /// Go regular expressions: the first line is the pattern, the rest the text.
    public static func regex(_ bytes: [UInt8]) {
        let text = String(decoding: bytes.prefix(1 << 14), as: UTF8.self)
        let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard var re = try? GoRegex(String(parts[0])) else { return }
        re.stepLimit = 5_000_000
        re.outputLimit = 1 << 20
        let subject = parts.count > 1 ? String(parts[1]) : ""
        if let slots = try? re.firstMatch(subject) {
            let length = subject.utf8.count
            for slot in slots { precondition(slot >= -1 && slot <= length, "a capture slot outside the text") }
            precondition(slots[0] <= slots[1], "a match that ends before it starts")
        }
        _ = try? re.findAll(subject, limit: 100)
        _ = try? re.replaceAll(subject, with: "<$1>")
        _ = try? re.split(subject, limit: -1)
    }

    /// `=== path` headers, each followed by the file's lines.
    public static func unpack(_ text: String) -> [String: String] {
        var files: [String: String] = [:]
        var current: String?
        var lines: [Substring] = []
        func flush() { if let current { files[current] = lines.joined(separator: "\n") + "\n" } }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("=== ") {
                flush()
                current = String(line.dropFirst(4)).trimmingWhitespace()
                lines = []
            } else {
                lines.append(line)
            }
        }
        flush()
        return files.isEmpty ? ["kustomization.yaml": text] : files
    }
}

/// The repository git generators read during fuzzing: a few directories and config files.
struct FuzzRepository: RepositoryProvider {
    static let tree = InMemoryFileTree(files: [
        "apps/web/config.json": #"{"replicas": 2, "tier": "front"}"#,
        "apps/api/config.json": #"{"replicas": 3, "tier": "back"}"#,
        "apps/api/values.yaml": "image: api:1\n",
        "clusters/us-east-1/config.yaml": "region: us-east-1\nsize: large\n",
    ])

    func snapshot(repoURL: String, revision: String) throws -> RepositorySnapshot {
        RepositorySnapshot(tree: Self.tree, commit: "0123456789abcdef0123456789abcdef01234567")
    }

    func changedPaths(repoURL: String, from: String, to: String) throws -> [String]? { nil }
}
