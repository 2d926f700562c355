/// A YAML document that could not be read, with where (source, 1-based line and column) and why.
///
/// The description reads like a compiler diagnostic, `apps/web/deploy.yaml:12:5: ...`, so
/// editors and CI logs link straight to the spot.
public struct YAMLError: Error, CustomStringConvertible, Equatable, Sendable {
    public enum Kind: Equatable, Sendable {
        /// libyaml rejected the text (bad indentation, unclosed quote, tab, ...).
        case syntax
        /// Valid YAML that we refuse: duplicate keys, complex keys, bad merge, unknown alias,
        /// a tag that does not fit its value.
        case invalid
        /// Beyond a configured limit (size, nesting depth, alias expansion): likely hostile.
        case limitExceeded
    }

    public var kind: Kind
    public var source: String
    public var line: Int
    public var column: Int
    public var message: String
    /// A syntax error as go-yaml words it (`yaml: line 1: did not find expected node content`),
    /// for tools that print Go's messages (Helm); nil for errors go-yaml would not report.
    public var goText: String?

    public init(kind: Kind, source: String, line: Int, column: Int, message: String) {
        self.kind = kind
        self.source = source
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        line > 0 ? "\(source):\(line):\(column): \(message)" : "\(source): \(message)"
    }
}
