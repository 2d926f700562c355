import FleetModel

/// A method of a typed receiver: Go values with methods (Helm's `.Files`, `.Capabilities`)
/// are objects carrying `TemplateMethods.typeKey`, whose methods the executor looks up by
/// `Type.Method` and calls with the receiver and the evaluated arguments.
public typealias TemplateMethod = @Sendable (_ receiver: Value, _ arguments: [Value]) throws -> Value

public enum TemplateMethods {
    /// The key under which a receiver names its type (a control character: no YAML or JSON key
    /// from a chart can collide with it by accident).
    public static let typeKey = "\u{1}type"
}

/// Templates parsed together that call each other by name, as Helm parses a chart's files:
/// each file's body is a template named after the file, and every `define` in any file can be
/// called from any other with `template` or Helm's `include` (and from `tpl` text).
public struct TemplateSet: Sendable {
    private var templates: [String: [TemplateNode]] = [:]

    public init() {}

    /// Adds a parsed file under `name`, with the templates it defines. A later definition of a
    /// name replaces an earlier one unless its body is empty (Go's rule).
    public mutating func add(_ name: String, _ template: GoTemplate) {
        templates[name] = template.nodes
        for (defined, body) in template.definitions {
            if templates[defined] != nil && TemplateNode.isEmpty(body) { continue }
            templates[defined] = body
        }
    }

    /// Every template name: files and definitions.
    public var names: [String] { templates.keys.sorted() }

    public func contains(_ name: String) -> Bool { templates[name] != nil }

    /// Runs the template `name` with `data` as dot and `$`. With `includeAndTpl`, Helm's
    /// `include` and `tpl` are available and share the call depth limit.
    public func execute(_ name: String, data: Value, missingKey: MissingKeyPolicy = .noValue,
                        functions: [String: TemplateFunction] = TemplateFunctions.table,
                        includeAndTpl: Bool = true, methods: [String: TemplateMethod] = [:]) throws(TemplateError) -> String {
        guard let body = templates[name] else { throw TemplateError("template \"\(name)\" not defined") }
        var state = TemplateExecution(root: data, missingKey: missingKey, functions: functions, templates: templates)
        state.includeAndTpl = includeAndTpl
        state.methods = methods
        state.executing = name
        var output = ""
        _ = try state.walk(body, dot: data, into: &output)
        return output
    }
}
