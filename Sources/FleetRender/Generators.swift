import FleetModel

/// `configMapGenerator` and `secretGenerator`: ConfigMaps and Secrets built from literals,
/// files and env files, as kustomize builds them (the hash suffix is added at the end of the
/// build, see `KustomizeHasher`).
enum Generators {
    enum Kind: String {
        case configMap = "ConfigMap"
        case secret = "Secret"
    }

    /// Builds one object. `load` reads a file named relative to the kustomization (and refuses
    /// paths outside it).
    static func generate(_ args: GeneratorArgs, kind: Kind, globalOptions: GeneratorOptions?, origin: String,
                         load: (String) throws(RenderError) -> [UInt8]) throws(RenderError) -> KustomizeResource {
        guard !args.name.isEmpty else {
            throw RenderError(.generator, file: origin, line: args.line, "a \(kind == .configMap ? "configmap" : "secret") generator must have a name")
        }
        let pairs = try loadPairs(args, kind: kind, origin: origin, load: load)
        let options = args.options.merging(global: globalOptions)

        var object: ValueObject = ["apiVersion": "v1", "kind": .string(kind.rawValue)]
        var metadata: ValueObject = ["name": .string(args.name)]
        if !args.namespace.isEmpty { metadata["namespace"] = .string(args.namespace) }
        if !options.labels.isEmpty { metadata["labels"] = sortedMap(options.labels) }
        if !options.annotations.isEmpty { metadata["annotations"] = sortedMap(options.annotations) }
        object["metadata"] = .object(metadata)

        var data = ValueObject()
        var binaryData = ValueObject()
        for (key, bytes) in pairs.sorted(by: { $0.key < $1.key }) {
            switch kind {
            case .configMap:
                if let text = String(validating: bytes, as: UTF8.self) {
                    data[key] = .string(text)
                } else {
                    binaryData[key] = .string(wrappedBase64(bytes))
                }
            case .secret:
                data[key] = .string(wrappedBase64(bytes))
            }
        }
        if kind == .secret { object["type"] = .string(args.type.flatMap { $0.isEmpty ? nil : $0 } ?? "Opaque") }
        // kubectl writes an empty Secret's `data: {}` (and hashes it); an empty ConfigMap has none.
        if !data.isEmpty || kind == .secret { object["data"] = .object(data) }
        if !binaryData.isEmpty { object["binaryData"] = .object(binaryData) }
        if options.immutable { object["immutable"] = true }

        var resource = KustomizeResource(object: .object(object), source: origin)
        resource.needsHashSuffix = !options.disableNameSuffixHash
        resource.behavior = args.behavior
        return resource
    }

    /// Base64 as kustomize writes generated values: in lines of 70 characters, each ending in
    /// a newline, once the encoding is 70 characters or longer (the name hash covers this text,
    /// so it must be exact).
    static func wrappedBase64(_ bytes: [UInt8]) -> String {
        let encoded = Base64.encode(bytes)
        let lineLength = 70
        guard encoded.utf8.count >= lineLength else { return encoded }
        var result = ""
        result.reserveCapacity(encoded.utf8.count + encoded.utf8.count / lineLength + 1)
        var line = Substring(encoded)
        while !line.isEmpty {
            result += line.prefix(lineLength)
            result += "\n"
            line = line.dropFirst(lineLength)
        }
        return result
    }

    private static func sortedMap(_ map: [String: String]) -> Value {
        .object(ValueObject(uniqueKeysWithValues: map.sorted { $0.key < $1.key }.map { ($0.key, Value.string($0.value)) }))
    }

    /// Key/value pairs in kustomize's order of sources: env files, then literals, then files.
    /// A key given twice is an error.
    private static func loadPairs(_ args: GeneratorArgs, kind: Kind, origin: String,
                                  load: (String) throws(RenderError) -> [UInt8]) throws(RenderError) -> [(key: String, value: [UInt8])] {
        var pairs: [(key: String, value: [UInt8])] = []
        for envFile in args.envs {
            let bytes = try load(envFile)
            pairs += try envPairs(bytes, file: envFile, origin: origin, line: args.line)
        }
        for literal in args.literals {
            guard let equals = literal.firstIndex(of: "="), equals != literal.startIndex else {
                throw RenderError(.generator, file: origin, line: args.line, "invalid literal source \(literal), expected key=value")
            }
            let key = String(literal[..<equals])
            pairs.append((key, Array(removeQuotes(String(literal[literal.index(after: equals)...])).utf8)))
        }
        for source in args.files {
            let (key, path) = try fileSource(source, origin: origin, line: args.line)
            pairs.append((key, try load(path)))
        }
        var seen = Set<String>()
        for (key, _) in pairs {
            if key.isEmpty { throw RenderError(.generator, file: origin, line: args.line, "\(args.name): a data key must not be empty") }
            if !seen.insert(key).inserted {
                throw RenderError(.generator, file: origin, line: args.line, "\(kind == .configMap ? "configmap" : "secret") \(args.name) illegally repeats the key `\(key)`")
            }
        }
        return pairs
    }

    /// `KEY=value` lines; blank lines and `#` comments skipped, leading whitespace trimmed, a
    /// line without `=` is a key with an empty value, values kept verbatim (no unquoting).
    static func envPairs(_ bytes: [UInt8], file: String, origin: String, line: Int) throws(RenderError) -> [(key: String, value: [UInt8])] {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RenderError(.generator, file: origin, line: line, "env file \(file) is not valid UTF-8")
        }
        var pairs: [(key: String, value: [UInt8])] = []
        // Split on the byte: Swift treats "\r\n" as one Character, so a Character split would
        // miss CRLF line ends.
        for (number, rawLine) in text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            var bytes = Array(rawLine)
            if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
            var lineText = Substring(String(decoding: bytes, as: UTF8.self))
            if number == 0 && lineText.hasPrefix("\u{FEFF}") { lineText = lineText.dropFirst() }
            lineText = lineText.drop(while: { $0.isWhitespace })
            if lineText.isEmpty || lineText.first == "#" { continue }
            if let equals = lineText.firstIndex(of: "=") {
                pairs.append((String(lineText[..<equals]), Array(lineText[lineText.index(after: equals)...].utf8)))
            } else {
                pairs.append((String(lineText), []))
            }
        }
        return pairs
    }

    /// `path` (key is the file's base name) or `key=path`.
    static func fileSource(_ source: String, origin: String, line: Int) throws(RenderError) -> (String, String) {
        guard let equals = source.firstIndex(of: "=") else { return (TreePath.basename(of: source), source) }
        if equals == source.startIndex {
            throw RenderError(.generator, file: origin, line: line, "missing key name for file path \"\(source.dropFirst())\" in source \"\(source)\"")
        }
        let key = String(source[..<equals])
        let path = String(source[source.index(after: equals)...])
        if path.isEmpty { throw RenderError(.generator, file: origin, line: line, "missing file path for key name \"\(key)\" in source \"\(source)\"") }
        if path.contains("=") { throw RenderError(.generator, file: origin, line: line, "source \"\(source)\" key name or file path contains '='") }
        return (key, path)
    }

    /// Strips one pair of matching surrounding quotes, as kustomize does for literals.
    static func removeQuotes(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == text.last, first == "\"" || first == "'" else { return text }
        return String(text.dropFirst().dropLast())
    }
}
