import FleetModel

/// One document of a YAML stream and the line its content starts on (for error messages that
/// point at the right object in a multi-document file).
public struct YAMLDocument: Equatable, Sendable {
    public var value: Value
    public var line: Int
    /// The line of each node, when `YAMLParseOptions.recordLines` was set.
    public var lines: [JSONPointer: Int]

    public init(value: Value, line: Int, lines: [JSONPointer: Int] = [:]) {
        self.value = value
        self.line = line
        self.lines = lines
    }

    /// The line of the node at `pointer`, or of its nearest recorded ancestor.
    public func line(of pointer: JSONPointer) -> Int {
        var current = pointer
        while true {
            if let line = lines[current] { return line }
            if current.isRoot { return line }
            current = current.parent
        }
    }
}

/// Limits that keep a hostile document from costing more than a bounded amount of memory and
/// time. The defaults fit any real Kubernetes manifest with a wide margin.
public struct YAMLParseOptions: Sendable {
    /// Largest input accepted, in bytes.
    public var maxBytes: Int
    /// Deepest nesting of mappings and sequences.
    public var maxDepth: Int
    /// Most nodes that aliases may add to one document (a "billion laughs" guard).
    public var maxAliasExpansion: Int
    /// Read YAML 1.1's `yes`/`no`/`on`/`off`/`y`/`n` as booleans, as go-yaml v2 does. Kustomize
    /// reads `kustomization.yaml` itself that way (so `labels: {x: y}` is an error there), while
    /// resources are read with YAML 1.2 booleans.
    public var yaml11Booleans: Bool
    /// Record the line of every node, by JSON pointer, in `YAMLDocument.lines` (for errors
    /// that point at a field of a small file, such as a kustomization).
    public var recordLines: Bool
    /// Rewrite plain (unquoted) timestamps such as `2001-12-14` to Go's RFC 3339 form
    /// (`2001-12-14T00:00:00Z`), as `kubectl kustomize` prints them; otherwise they stay the
    /// text as written, as the Kubernetes API reads them.
    public var timestampsAsRFC3339: Bool
    /// Read every scalar under a document's `metadata.annotations` as the string it was written
    /// as (`port: 8080` is `"8080"`, `ratio: 2.50` is `"2.50"`), as Kubernetes tooling that reads
    /// annotations into a string map (kustomize) does.
    public var annotationsAsText: Bool
    /// A key written twice in one mapping: the later value wins (go-yaml v2, which reads
    /// kustomization files) instead of an error naming both lines.
    public var duplicateKeysLastWins: Bool

    public init(maxBytes: Int = 32 << 20, maxDepth: Int = 512, maxAliasExpansion: Int = 1_000_000,
                yaml11Booleans: Bool = false, recordLines: Bool = false, timestampsAsRFC3339: Bool = false,
                annotationsAsText: Bool = false, duplicateKeysLastWins: Bool = false) {
        self.annotationsAsText = annotationsAsText
        self.duplicateKeysLastWins = duplicateKeysLastWins
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxAliasExpansion = maxAliasExpansion
        self.yaml11Booleans = yaml11Booleans
        self.recordLines = recordLines
        self.timestampsAsRFC3339 = timestampsAsRFC3339
    }
}

/// How `YAML.emit` writes documents.
public struct YAMLEmitOptions: Sendable {
    public enum KeyOrder: Sendable {
        /// Keys in the value's own order (as read, or as built).
        case preserve
        /// Keys in the order `kubectl kustomize` prints them (go-yaml v2's natural sort).
        case kustomize
    }

    public var keyOrder: KeyOrder
    /// Long plain and quoted strings are folded near this column, as kubectl does; a reader
    /// joins them back, so folding never changes a value.
    public var lineWidth: Int

    public init(keyOrder: KeyOrder = .preserve, lineWidth: Int = 80) {
        self.keyOrder = keyOrder
        self.lineWidth = lineWidth
    }

    /// What `kubectl kustomize` prints: sorted keys, 80 columns.
    public static let kustomize = YAMLEmitOptions(keyOrder: .kustomize)
}

/// YAML reading and writing on libyaml, with the scalar rules of the Kubernetes toolchain.
///
/// Reading follows go-yaml v3 as `kubectl kustomize` uses it (see `ScalarResolver` for the
/// exact rules, e.g. `yes` stays a string and `0755` is 493). Writing produces block-style,
/// 2-space-indented YAML whose strings are quoted exactly when a reader would otherwise take
/// them for another type, so `parse(emit(v)) == v` for every value.
public enum YAML {
    /// Parses every document of a stream. Empty documents (`---` with nothing after it) come
    /// back as `.null`; callers that want objects skip them.
    public static func parseStream(_ bytes: [UInt8], source: String = "<input>", options: YAMLParseOptions = YAMLParseOptions()) throws(YAMLError) -> [YAMLDocument] {
        guard bytes.count <= options.maxBytes else {
            throw YAMLError(kind: .limitExceeded, source: source, line: 0, column: 0,
                            message: "document is \(bytes.count) bytes, more than the limit of \(options.maxBytes)")
        }
        let parser = LibYAMLParser(bytes)
        var builder = YAMLTreeBuilder(source: source, options: options)
        return try builder.build(parser)
    }

    public static func parseStream(_ text: String, source: String = "<input>", options: YAMLParseOptions = YAMLParseOptions()) throws(YAMLError) -> [YAMLDocument] {
        try parseStream(Array(text.utf8), source: source, options: options)
    }

    /// Parses a stream that must hold at most one document (`.null` when it holds none).
    public static func parse(_ bytes: [UInt8], source: String = "<input>", options: YAMLParseOptions = YAMLParseOptions()) throws(YAMLError) -> Value {
        let documents = try parseStream(bytes, source: source, options: options)
        if documents.count > 1 {
            throw YAMLError(kind: .invalid, source: source, line: documents[1].line, column: 1,
                            message: "expected a single YAML document, found \(documents.count)")
        }
        return documents.first?.value ?? .null
    }

    public static func parse(_ text: String, source: String = "<input>", options: YAMLParseOptions = YAMLParseOptions()) throws(YAMLError) -> Value {
        try parse(Array(text.utf8), source: source, options: options)
    }

    /// One document, without a `---` marker, ending in a newline.
    public static func emit(_ value: Value, options: YAMLEmitOptions = YAMLEmitOptions()) -> String {
        String(decoding: LibYAMLEmitter(options: options).emitDocument(value), as: UTF8.self)
    }

    /// The plain text a scalar is written as (`true`, `8080`, `1.5`; `null` for null), as the
    /// emitter writes it; nil for a string, list or map.
    public static func plainScalarText(_ value: Value) -> String? {
        switch value {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d): return LibYAMLEmitter.formatDouble(d)
        default: return nil
        }
    }

    /// Several documents separated by `---` lines, as `kubectl kustomize` prints a build.
    public static func emitStream(_ values: [Value], options: YAMLEmitOptions = YAMLEmitOptions()) -> String {
        var out: [UInt8] = []
        for (i, value) in values.enumerated() {
            if i > 0 { out += Array("---\n".utf8) }
            out += LibYAMLEmitter(options: options).emitDocument(value)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
