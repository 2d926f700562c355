import CYAML
import FleetModel

/// Turns libyaml's event stream into `Value` documents.
///
/// Iterative (an explicit stack, never recursion), so depth is a checked limit rather than a
/// stack overflow. Aliases share storage with their anchor (copy-on-write), and every alias
/// charges the anchor's node count against `maxAliasExpansion`, so a "billion laughs"
/// document fails after a bounded amount of work instead of exhausting memory downstream.
struct YAMLTreeBuilder {
    private struct SequenceFrame {
        var items: [Value] = []
        var anchor: String?
        var nodeStart: Int
    }

    private struct MappingFrame {
        var object = ValueObject()
        /// The line of each key, parallel to `object`'s order, for duplicate-key messages.
        var keyLines: [Int] = []
        var pendingKey: String?
        var pendingKeyLine = 0
        var expectingMergeValue = false
        var sawMergeKey = false
        var merges: [ValueObject] = []
        var mergeInsertIndex = 0
        var anchor: String?
        var nodeStart: Int
    }

    private enum Frame {
        case sequence(SequenceFrame)
        case mapping(MappingFrame)
    }

    private struct Anchored {
        var value: Value
        var nodeCount: Int
    }

    let source: String
    let options: YAMLParseOptions

    private var documents: [YAMLDocument] = []
    private var stack: [Frame] = []
    private var anchors: [String: Anchored] = [:]
    private var root: Value?
    private var documentLine = 1
    private var nodeCount = 0
    private var aliasExpansion = 0
    /// With `recordLines`: the pointer of each open container, and the lines seen so far.
    private var containerPaths: [JSONPointer] = []
    private var lines: [JSONPointer: Int] = [:]

    init(source: String, options: YAMLParseOptions) {
        self.source = source
        self.options = options
    }

    mutating func build(_ parser: LibYAMLParser) throws(YAMLError) -> [YAMLDocument] {
        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        defer { event.deallocate() }
        while true {
            guard parser.next(event) else {
                let failure = parser.lastError
                var error = YAMLError(kind: .syntax, source: source, line: failure.line + 1, column: failure.column + 1, message: failure.message)
                error.goText = failure.goText
                throw error
            }
            defer { yaml_event_delete(event) }
            let e = event.pointee
            let line = Int(e.start_mark.line) + 1
            let column = Int(e.start_mark.column) + 1
            switch e.type {
            case YAML_STREAM_END_EVENT:
                return documents
            case YAML_DOCUMENT_START_EVENT:
                documentLine = line
                anchors.removeAll(keepingCapacity: true)
                nodeCount = 0
                aliasExpansion = 0
                root = nil
                lines.removeAll()
            case YAML_DOCUMENT_END_EVENT:
                documents.append(YAMLDocument(value: root ?? .null, line: documentLine, lines: lines))
                root = nil
            case YAML_SCALAR_EVENT:
                try scalar(e, line: line, column: column)
            case YAML_ALIAS_EVENT:
                try alias(String(cString: e.data.alias.anchor), line: line, column: column)
            case YAML_SEQUENCE_START_EVENT:
                try rejectComplexKey(line: line, column: column)
                try checkDepth(line: line, column: column)
                nodeCount += 1
                let anchor = e.data.sequence_start.anchor.map { String(cString: $0) }
                recordContainerStart(line: line)
                stack.append(.sequence(SequenceFrame(anchor: anchor, nodeStart: nodeCount)))
            case YAML_SEQUENCE_END_EVENT:
                guard case .sequence(let frame) = stack.removeLast() else { preconditionFailure("libyaml event order") }
                let value = Value.array(frame.items)
                if options.recordLines { containerPaths.removeLast() }
                if let anchor = frame.anchor { anchors[anchor] = Anchored(value: value, nodeCount: nodeCount - frame.nodeStart + 1) }
                try deliver(value, line: line, column: column)
            case YAML_MAPPING_START_EVENT:
                try rejectComplexKey(line: line, column: column)
                try checkDepth(line: line, column: column)
                nodeCount += 1
                let anchor = e.data.mapping_start.anchor.map { String(cString: $0) }
                recordContainerStart(line: line)
                stack.append(.mapping(MappingFrame(anchor: anchor, nodeStart: nodeCount)))
            case YAML_MAPPING_END_EVENT:
                guard case .mapping(var frame) = stack.removeLast() else { preconditionFailure("libyaml event order") }
                applyMerges(&frame)
                if options.recordLines { containerPaths.removeLast() }
                let value = Value.object(frame.object)
                if let anchor = frame.anchor { anchors[anchor] = Anchored(value: value, nodeCount: nodeCount - frame.nodeStart + 1) }
                try deliver(value, line: line, column: column)
            default:
                continue
            }
        }
    }

    /// A scalar: a mapping key, or a value resolved by its tag and style (annotation values
    /// kept as text when asked), recorded under its anchor.
    private mutating func scalar(_ event: yaml_event_t, line: Int, column: Int) throws(YAMLError) {
        let s = event.data.scalar
        let text = String(decoding: UnsafeBufferPointer(start: s.value, count: s.length), as: UTF8.self)
        let tag = s.tag.map { String(cString: $0) }
        let anchor = s.anchor.map { String(cString: $0) }
        nodeCount += 1
        if try handleKeyScalar(text, tag: tag, plain: s.style == YAML_PLAIN_SCALAR_STYLE, line: line, column: column) {
            return
        }
        let value = options.annotationsAsText && isAnnotationValue()
            ? Value.string(text) : try resolveScalar(text, tag: tag, style: s.style, line: line, column: column)
        if options.recordLines, let pointer = currentValuePointer(), lines[pointer] == nil { lines[pointer] = line }
        if let anchor { anchors[anchor] = Anchored(value: value, nodeCount: 1) }
        try deliver(value, line: line, column: column)
    }

    /// An alias: the anchored value again, counted against the expansion limit (a document
    /// of nested aliases can otherwise grow exponentially).
    private mutating func alias(_ name: String, line: Int, column: Int) throws(YAMLError) {
        guard let anchored = anchors[name] else {
            throw invalid("unknown anchor '\(name)' referenced by alias", line: line, column: column)
        }
        aliasExpansion += anchored.nodeCount
        nodeCount += anchored.nodeCount
        if aliasExpansion > options.maxAliasExpansion {
            throw YAMLError(kind: .limitExceeded, source: source, line: line, column: column,
                            message: "alias '*\(name)' expands the document beyond \(options.maxAliasExpansion) nodes; refusing a possible billion-laughs document")
        }
        if try handleKeyAlias(anchored.value, line: line, column: column) { return }
        try deliver(anchored.value, line: line, column: column)
    }

    /// Whether the next value delivered is an entry of the document's `metadata.annotations`.
    private func isAnnotationValue() -> Bool {
        guard stack.count == 3,
              case .mapping(let document) = stack[0], document.pendingKey == "metadata",
              case .mapping(let metadata) = stack[1], metadata.pendingKey == "annotations",
              case .mapping(let annotations) = stack[2] else { return false }
        return annotations.pendingKey != nil && !annotations.expectingMergeValue
    }

    // MARK: Lines

    /// Where the next value delivered would land, as a pointer (nil inside merge keys).
    private func currentValuePointer() -> JSONPointer? {
        guard let top = stack.last else { return JSONPointer() }
        let parent = containerPaths.last ?? JSONPointer()
        switch top {
        case .sequence(let frame): return parent.appending(frame.items.count)
        case .mapping(let frame):
            if frame.expectingMergeValue { return nil }
            return frame.pendingKey.map { parent.appending($0) }
        }
    }

    private mutating func recordContainerStart(line: Int) {
        guard options.recordLines else { return }
        let pointer = currentValuePointer() ?? (containerPaths.last ?? JSONPointer()).appending("<<")
        if lines[pointer] == nil { lines[pointer] = line }
        containerPaths.append(pointer)
    }

    // MARK: Keys

    /// If a mapping is waiting for a key, takes this scalar as the key and returns `true`.
    private mutating func handleKeyScalar(_ text: String, tag: String?, plain: Bool, line: Int, column: Int) throws(YAMLError) -> Bool {
        guard case .mapping(var frame) = stack.last, frame.pendingKey == nil, !frame.expectingMergeValue else { return false }
        stack.removeLast()
        defer { stack.append(.mapping(frame)) }
        if text == "<<" && ((plain && tag == nil) || tag == "tag:yaml.org,2002:merge") {
            if frame.sawMergeKey { throw invalid("mapping has more than one merge key '<<'", line: line, column: column) }
            frame.sawMergeKey = true
            frame.expectingMergeValue = true
            frame.mergeInsertIndex = frame.object.count
            return true
        }
        try acceptKey(text, into: &frame, line: line, column: column)
        recordKeyLine(text, line: line)
        return true
    }

    /// An alias used as a key must name a scalar.
    private mutating func handleKeyAlias(_ value: Value, line: Int, column: Int) throws(YAMLError) -> Bool {
        guard case .mapping(var frame) = stack.last, frame.pendingKey == nil, !frame.expectingMergeValue else { return false }
        stack.removeLast()
        defer { stack.append(.mapping(frame)) }
        let key: String
        switch value {
        case .string(let s): key = s
        case .int(let i): key = String(i)
        case .bool(let b): key = b ? "true" : "false"
        case .null: key = "null"
        case .double(let d): key = DecimalDigits.json(d) ?? String(d)
        case .array, .object:
            throw invalid("an alias to a \(value.typeName) cannot be a mapping key", line: line, column: column)
        }
        try acceptKey(key, into: &frame, line: line, column: column)
        recordKeyLine(key, line: line)
        return true
    }

    private mutating func recordKeyLine(_ key: String, line: Int) {
        guard options.recordLines else { return }
        let pointer = (containerPaths.last ?? JSONPointer()).appending(key)
        if lines[pointer] == nil || options.duplicateKeysLastWins { lines[pointer] = line }
    }

    private func acceptKey(_ key: String, into frame: inout MappingFrame, line: Int, column: Int) throws(YAMLError) {
        if !options.duplicateKeysLastWins, let existing = frame.object.index(forKey: key) {
            throw invalid("mapping key \"\(key)\" already defined at line \(frame.keyLines[existing])", line: line, column: column)
        }
        frame.pendingKey = key
        frame.pendingKeyLine = line
    }

    private func rejectComplexKey(line: Int, column: Int) throws(YAMLError) {
        if case .mapping(let frame) = stack.last, frame.pendingKey == nil, !frame.expectingMergeValue {
            throw invalid("complex mapping keys (a mapping or sequence used as a key) are not supported", line: line, column: column)
        }
    }

    // MARK: Values

    private mutating func deliver(_ value: Value, line: Int, column: Int) throws(YAMLError) {
        guard let top = stack.popLast() else {
            root = value
            return
        }
        switch top {
        case .sequence(var frame):
            frame.items.append(value)
            stack.append(.sequence(frame))
        case .mapping(var frame):
            if frame.expectingMergeValue {
                frame.expectingMergeValue = false
                switch value {
                case .object(let o):
                    frame.merges.append(o)
                case .array(let items):
                    for item in items {
                        guard case .object(let o) = item else {
                            throw invalid("merge key '<<' expects a mapping or a list of mappings, found a list with a \(item.typeName)", line: line, column: column)
                        }
                        frame.merges.append(o)
                    }
                default:
                    throw invalid("merge key '<<' expects a mapping or a list of mappings, found a \(value.typeName)", line: line, column: column)
                }
            } else if let key = frame.pendingKey {
                if let existing = frame.object.index(forKey: key) {
                    frame.keyLines[existing] = frame.pendingKeyLine  // a later duplicate (duplicateKeysLastWins)
                } else {
                    frame.keyLines.append(frame.pendingKeyLine)
                }
                frame.object[key] = value
                frame.pendingKey = nil
            }
            stack.append(.mapping(frame))
        }
    }

    /// Merge keys (`<<`): keys written in the mapping win; among merged mappings the earlier wins.
    /// Merged keys take the place of the `<<` key, in their source order.
    private func applyMerges(_ frame: inout MappingFrame) {
        guard !frame.merges.isEmpty else { return }
        var insertAt = frame.mergeInsertIndex
        for source in frame.merges {
            for (key, value) in source where frame.object[key] == nil {
                frame.object.updateValue(value, forKey: key, insertingAt: insertAt)
                insertAt += 1
            }
        }
    }

    private func checkDepth(line: Int, column: Int) throws(YAMLError) {
        if stack.count >= options.maxDepth {
            throw YAMLError(kind: .limitExceeded, source: source, line: line, column: column,
                            message: "nesting deeper than \(options.maxDepth) levels")
        }
    }

    private func resolveScalar(_ text: String, tag: String?, style: yaml_scalar_style_t, line: Int, column: Int) throws(YAMLError) -> Value {
        guard let tag, tag != "!" else {
            guard style == YAML_PLAIN_SCALAR_STYLE && tag == nil else { return .string(text) }
            let value = ScalarResolver.resolvePlain(text, yaml11Booleans: options.yaml11Booleans)
            if options.timestampsAsRFC3339, case .string = value, let timestamp = ScalarResolver.parseTimestamp(text) {
                return .string(timestamp.rfc3339)
            }
            return value
        }
        let prefix = "tag:yaml.org,2002:"
        guard tag.hasPrefix(prefix) else { return .string(text) }  // custom tags: keep the text
        switch tag.dropFirst(prefix.count) {
        case "str", "timestamp":
            return .string(text)
        case "int":
            if case .int(let i)? = ScalarResolver.resolveNumber(text) { return .int(i) }
        case "float":
            if let special = ScalarResolver.specialFloat(text) { return .double(special) }
            if let number = ScalarResolver.resolveNumber(text), let d = number.doubleValue { return .double(d) }
        case "bool":
            if case .bool(let b) = ScalarResolver.resolvePlain(text) { return .bool(b) }
        case "null":
            if case .null = ScalarResolver.resolvePlain(text) { return .null }
        case "binary":
            guard let bytes = Base64.decode(text) else {
                throw invalid("!!binary value is not valid base64", line: line, column: column)
            }
            return .string(String(validating: bytes, as: UTF8.self) ?? text)
        default:
            return .string(text)
        }
        throw invalid("cannot read \"\(text)\" as \(tag.replacingPrefix(prefix, with: "!!"))", line: line, column: column)
    }

    private func invalid(_ message: String, line: Int, column: Int) -> YAMLError {
        YAMLError(kind: .invalid, source: source, line: line, column: column, message: message)
    }
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
