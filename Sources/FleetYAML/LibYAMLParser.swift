import CYAML

/// Owns one libyaml parser and the input buffer it reads from.
///
/// libyaml keeps a pointer to the input for the parser's whole life
/// (`yaml_parser_set_input_string` does not copy), so the buffer is a stored property freed
/// only in `deinit`, after `yaml_parser_delete`. Not `Sendable`: a parser is used by one
/// thread from start to end.
final class LibYAMLParser {
    private let parser: UnsafeMutablePointer<yaml_parser_t>
    private let input: UnsafeMutableBufferPointer<UInt8>

    init(_ bytes: [UInt8]) {
        parser = .allocate(capacity: 1)
        // yaml_parser_initialize only fails when malloc fails: treat that as fatal like Swift does.
        precondition(yaml_parser_initialize(parser) == 1, "libyaml could not allocate a parser")
        input = .allocate(capacity: max(bytes.count, 1))
        _ = input.initialize(from: bytes)
        yaml_parser_set_input_string(parser, input.baseAddress, bytes.count)
    }

    deinit {
        yaml_parser_delete(parser)
        parser.deallocate()
        input.deallocate()
    }

    /// Parses the next event into `event` (which the caller must `yaml_event_delete`);
    /// `false` on a syntax error, described by `lastError`.
    func next(_ event: UnsafeMutablePointer<yaml_event_t>) -> Bool {
        yaml_parser_parse(parser, event) == 1
    }

    /// libyaml's problem text and position (0-based) for the last failure, read right after it.
    var lastError: (message: String, line: Int, column: Int, goText: String) {
        let p = parser.pointee
        // go-yaml (Helm, kubectl) words it "yaml: line N: problem", with N the 0-based problem
        // line for parser errors, 1-based for scanner errors, else the context line.
        var goLine = 0
        if p.problem_mark.line != 0 {
            goLine = Int(p.problem_mark.line) + (p.error == YAML_SCANNER_ERROR ? 1 : 0)
        } else if p.context_mark.line != 0 {
            goLine = Int(p.context_mark.line)
        }
        let problem = p.problem.map { String(cString: $0) } ?? "unknown problem parsing YAML content"
        let goText = "yaml: " + (goLine != 0 ? "line \(goLine): " : "") + problem
        var message = p.problem.map { String(cString: $0) } ?? "unknown YAML error"
        if let context = p.context.map({ String(cString: $0) }) {
            message = "\(message) (\(context) at line \(p.context_mark.line + 1), column \(p.context_mark.column + 1))"
        }
        if p.error == YAML_MEMORY_ERROR { message = "out of memory while parsing" }
        return (message, Int(p.problem_mark.line), Int(p.problem_mark.column), goText)
    }
}
