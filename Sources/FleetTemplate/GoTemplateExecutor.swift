import FleetModel

/// What a reference to a missing map key yields (Go's `missingkey=` option).
public enum MissingKeyPolicy: Sendable {
    /// Prints `<no value>` (Go's default, also `missingkey=invalid`).
    case noValue
    /// The zero value of the map's element type: for parameters (`map[string]any`), nil, which
    /// prints `<no value>` as well.
    case zero
    /// Fails the execution: `map has no entry for key "x"`.
    case error

    /// Reads `goTemplateOptions` as Argo CD passes them to `template.Option`.
    public init(options: [String]) throws(TemplateError) {
        self = .noValue
        for option in options {
            switch option {
            case "missingkey=default", "missingkey=invalid": self = .noValue
            case "missingkey=zero": self = .zero
            case "missingkey=error": self = .error
            default: throw TemplateError("unrecognized option: \(option)")
            }
        }
    }
}

extension GoTemplate {
    /// Runs the template against `data` (the parameters of one generated Application).
    public func execute(_ data: Value, missingKey: MissingKeyPolicy = .noValue,
                        functions: [String: TemplateFunction] = TemplateFunctions.table) throws(TemplateError) -> String {
        var state = TemplateExecution(root: data, missingKey: missingKey, functions: functions, templates: definitions)
        var output = ""
        _ = try state.walk(nodes, dot: data, into: &output)
        return output
    }
}

/// Go's notion of truth: false, 0, nil, and empty strings, arrays and maps are false.
func templateTruth(_ value: Value) -> Bool { !value.isGoEmpty }

/// How `fmt.Sprint` (`%v`) writes a value: strings as they are, floats in Go's shortest `%g`
/// (so a JSON `1000000` prints `1e+06`, as in Argo CD), lists as `[a b]`, maps as
/// `map[k:v]` with sorted keys, nil as `<nil>`.
package func goFormat(_ value: Value, nilText: String = "<nil>") -> String {
    switch value {
    case .null: return nilText
    case .bool(let b): return b ? "true" : "false"
    case .int(let i): return String(i)
    case .double(let d):
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        return DecimalDigits.goG(d) ?? String(d)
    case .string(let s): return s
    case .array(let a): return "[" + a.map { goFormat($0) }.joined(separator: " ") + "]"
    case .object(let o):
        if let time = GoTime(value) { return time.goDescription }
        return "map[" + o.keys.sorted().map { "\($0):\(goFormat(o[$0]!))" }.joined(separator: " ") + "]"
    }
}

struct TemplateExecution {
    let root: Value
    let missingKey: MissingKeyPolicy
    let functions: [String: TemplateFunction]
    /// Named templates `{{template}}` (and Helm's `include`) may call.
    var templates: [String: [TemplateNode]]
    /// Helm's `include` and `tpl`, which need the executing template set.
    var includeAndTpl = false
    /// Methods of typed receivers (`.Files.Get`, `.Capabilities.APIVersions.Has`), by
    /// `Type.Method`.
    var methods: [String: TemplateMethod] = [:]
    /// Nested `{{template}}` calls in progress.
    private var callDepth = 0
    /// Go allows 100,000 nested calls; a deep recursion here would outrun the stack long
    /// before that, so the limit is Helm's for `include`.
    static let maxCallDepth = 1000
    var variables: [(String, Value)] = []
    /// The template being executed, as Go's errors name it (`executing "NAME"`).
    var executing = ""
    private var steps = 0
    /// Bytes of text (and list elements) produced so far: output written and every function
    /// result, so string building is bounded however it is nested.
    private var produced = 0
    /// Bounds work per template so a hostile `range` cannot spin forever.
    static let maxSteps = 1_000_000
    /// The output budget of one execution; no single function result may exceed it either.
    static let maxProduced = 64 << 20

    init(root: Value, missingKey: MissingKeyPolicy, functions: [String: TemplateFunction], templates: [String: [TemplateNode]] = [:]) {
        self.root = root
        self.missingKey = missingKey
        self.functions = functions
        self.templates = templates
        variables = [("$", root)]
    }

    private mutating func tick() throws(TemplateError) {
        steps += 1
        if steps > Self.maxSteps { throw TemplateError("template execution exceeded \(Self.maxSteps) steps") }
        if steps & 0xFFF == 0, WorkDeadline.isPast {
            throw TemplateError("template execution stopped: \(WorkDeadline.current?.reason ?? "its time limit was reached")")
        }
    }

    /// Counts what a step produced against the output budget.
    mutating func charge(_ bytes: Int) throws(TemplateError) {
        produced += bytes
        if produced > Self.maxProduced {
            throw TemplateError("template output exceeds its budget of \(Self.maxProduced) bytes")
        }
    }

    mutating func charge(_ value: Value) throws(TemplateError) {
        switch value {
        case .string(let s): try charge(s.utf8.count)
        case .array(let a): try charge(a.count * 16)
        case .object(let o): try charge(o.count * 32)
        default: break
        }
    }

    /// Writes the nodes' output; a `break` or `continue` inside is returned to the enclosing `range`.
    mutating func walk(_ nodes: [TemplateNode], dot: Value, into output: inout String) throws(TemplateError) -> LoopSignal {
        for node in nodes {
            try tick()
            switch node {
            case .text(let text):
                try charge(text.utf8.count)
                output += text
            case .action(let pipeline):
                let value = try evaluate(pipeline, dot: dot)
                if pipeline.variables.isEmpty {
                    let text = goFormat(value, nilText: "<no value>")
                    try charge(text.utf8.count)
                    output += text
                }
            case .ifNode(let pipeline, let body, let elseBody):
                let mark = variables.count
                let condition = templateTruth(try evaluate(pipeline, dot: dot))
                let signal: LoopSignal
                if condition {
                    signal = try walk(body, dot: dot, into: &output)
                } else if let elseBody {
                    signal = try walk(elseBody, dot: dot, into: &output)
                } else { signal = .none }
                variables.removeSubrange(mark...)
                if signal != .none { return signal }
            case .withNode(let pipeline, let body, let elseBody):
                let mark = variables.count
                let value = try evaluate(pipeline, dot: dot)
                let signal: LoopSignal
                if templateTruth(value) {
                    signal = try walk(body, dot: value, into: &output)
                } else if let elseBody {
                    signal = try walk(elseBody, dot: dot, into: &output)
                } else { signal = .none }
                variables.removeSubrange(mark...)
                if signal != .none { return signal }
            case .rangeNode(let pipeline, let body, let elseBody):
                let signal = try walkRange(pipeline, body: body, elseBody: elseBody, dot: dot, into: &output)
                if signal != .none { return signal }
            case .breakNode:
                return .breakLoop
            case .continueNode:
                return .continueLoop
            case .templateCall(let name, let pipeline):
                guard let body = templates[name] else { throw TemplateError("template \"\(name)\" not defined") }
                let data = try pipeline.map { (p) throws(TemplateError) -> Value in try evaluate(p, dot: dot) } ?? .null
                let caller = executing
                executing = name
                defer { executing = caller }
                try call(body, data: data, into: &output)
            }
        }
        return .none
    }

    enum LoopSignal { case none, breakLoop, continueLoop }

    /// `range`: the body once per element (index or key, then element, into its variables),
    /// `else` when there are none. A `break` or `continue` in the body ends here; one in the
    /// `else` belongs to an enclosing `range`.
    private mutating func walkRange(_ pipeline: Pipeline, body: [TemplateNode], elseBody: [TemplateNode]?, dot: Value,
                                    into output: inout String) throws(TemplateError) -> LoopSignal {
        let mark = variables.count
        var rangePipeline = pipeline
        let names = rangePipeline.variables
        rangePipeline.variables = []
        let value = try evaluate(rangePipeline, dot: dot)
        var items: [(Value, Value)] = []
        switch value {
        case .array(let a): items = a.enumerated().map { (.int($0.offset), $0.element) }
        case .object(let o):
            // A typed receiver's type tag is not one of its entries.
            items = o.keys.filter { $0 != TemplateMethods.typeKey }.sorted().map { (.string($0), o[$0]!) }
        case .int(let n) where n >= 0:
            guard n <= Self.maxSteps else { throw TemplateError("range over \(n) exceeds the limit of \(Self.maxSteps) iterations") }
            items = (0..<n).map { (.int($0), .int($0)) }
        case .null: items = []
        default: throw TemplateError("range can't iterate over \(goFormat(value))")
        }
        if items.isEmpty {
            var signal = LoopSignal.none
            if let elseBody { signal = try walk(elseBody, dot: dot, into: &output) }
            variables.removeSubrange(mark...)
            return signal
        }
        loop: for (key, element) in items {
            try tick()
            let inner = variables.count
            if names.count == 1 { variables.append((names[0], element)) }
            if names.count == 2 { variables.append((names[0], key)); variables.append((names[1], element)) }
            let signal = try walk(body, dot: element, into: &output)
            variables.removeSubrange(inner...)
            if signal == .breakLoop { break loop }
        }
        variables.removeSubrange(mark...)
        return .none
    }

    /// The string first argument of `include NAME DATA` and `tpl TEXT DATA`.
    private static func textAndData(_ values: [Value], _ function: String) throws(TemplateError) -> String {
        guard values.count == 2 else { throw TemplateError("wrong number of args for \(function): want 2 got \(values.count)") }
        guard case .string(let text) = values[0] else {
            throw TemplateError("error calling \(function): the first argument must be a string, got \(goTypeName(values[0]))")
        }
        return text
    }

    /// Helm's `include NAME DATA`: a named template's output as a string, for pipelines.
    mutating func include(_ values: [Value]) throws(TemplateError) -> Value {
        let name = try Self.textAndData(values, "include")
        guard let body = templates[name] else {
            throw TemplateError("error calling include: template: no template \"\(name)\" associated with template \"gotpl\"")
        }
        var text = ""
        let caller = executing
        executing = name
        defer { executing = caller }
        try call(body, data: values[1], into: &text)
        return .string(text)
    }

    /// Helm's `tpl TEXT DATA`: the text parsed as a template (it may call the set's templates
    /// and define its own, seen only inside it) and run with DATA.
    mutating func tpl(_ values: [Value]) throws(TemplateError) -> Value {
        let text = try Self.textAndData(values, "tpl")
        let parsed: GoTemplate
        do { parsed = try TemplateCache.parse(text, name: executing) } catch { throw TemplateError("error calling tpl: \(error.message)") }
        let saved = templates
        for (name, body) in parsed.definitions { templates[name] = body }
        defer { templates = saved }
        var output = ""
        try call(parsed.nodes, data: values[1], into: &output)
        return .string(output)
    }

    /// Runs a named template with `data` as dot and `$`, in a scope of its own.
    mutating func call(_ body: [TemplateNode], data: Value, into output: inout String) throws(TemplateError) {
        callDepth += 1
        defer { callDepth -= 1 }
        if callDepth > Self.maxCallDepth { throw TemplateError("exceeded maximum template depth (\(Self.maxCallDepth))") }
        let saved = variables
        variables = [("$", data)]
        defer { variables = saved }
        _ = try walk(body, dot: data, into: &output)
    }

    mutating func evaluate(_ pipeline: Pipeline, dot: Value) throws(TemplateError) -> Value {
        var value: Value? = nil
        for command in pipeline.commands {
            value = try evaluate(command, dot: dot, final: value)
        }
        let result = value ?? .null
        if pipeline.isAssignment {
            for name in pipeline.variables {
                guard let index = variables.lastIndex(where: { $0.0 == name }) else {
                    throw TemplateError("undefined variable: \(name)")
                }
                variables[index].1 = result
            }
        } else if pipeline.variables.count == 1 {
            variables.append((pipeline.variables[0], result))
        } else if pipeline.variables.count == 2 {
            throw TemplateError("too many declarations in command")
        }
        return result
    }

    /// One command, its errors located as Go's ExecError: `template: NAME:LINE:COL: executing
    /// "TEMPLATE" at <COMMAND>: MESSAGE` (the innermost command that failed; a caller's
    /// command wraps `error calling include: ...` again with its own location).
    mutating func evaluate(_ command: TemplateCommand, dot: Value, final: Value?) throws(TemplateError) -> Value {
        do {
            return try evaluateUnlocated(command, dot: dot, final: final)
        } catch {
            throw located(error, at: command.location)
        }
    }

    /// `error` with Go's ExecError wording at `location`, unless it has a location already.
    private func located(_ error: TemplateError, at location: TemplateLocation?) -> TemplateError {
        guard error.location == nil, let location else { return error }
        var located = error
        located.location = location.description
        located.message = "template: \(location.description): executing \"\(executing)\" at <\(location.text)>: \(error.message)"
        return located
    }

    private mutating func evaluateUnlocated(_ command: TemplateCommand, dot: Value, final: Value?) throws(TemplateError) -> Value {
        let first = command.arguments[0]
        if case .function(let name) = first {
            return try call(name, Array(command.arguments.dropFirst()), dot: dot, final: final)
        }
        // A method with arguments: `.Capabilities.APIVersions.Has "apps/v1"`.
        if case .fieldChain(let receiverArgument, let names, _) = first, command.arguments.count > 1 || final != nil,
           let methodName = names.last {
            var receiver = try evaluate(receiverArgument, dot: dot)
            for name in names.dropLast() { receiver = try field(name, of: receiver) }
            if let method = method(methodName, of: receiver) {
                var values: [Value] = []
                for argument in command.arguments.dropFirst() { values.append(try evaluateArgument(argument, dot: dot)) }
                if let final { values.append(final) }
                return try invoke(method, methodName, receiver, values)
            }
        }
        guard command.arguments.count == 1, final == nil else {
            throw TemplateError("can't give argument to non-function \(describe(first))")
        }
        return try evaluate(first, dot: dot)
    }

    private func describe(_ argument: TemplateArgument) -> String {
        switch argument {
        case .dot: return "."
        case .fieldChain(_, let names, _): return "." + names.joined(separator: ".")
        case .variable(let name): return name
        case .function(let name): return name
        case .literal(let value): return goFormat(value)
        case .nilLiteral: return "nil"
        case .pipeline: return "(pipeline)"
        }
    }

    mutating func evaluate(_ argument: TemplateArgument, dot: Value) throws(TemplateError) -> Value {
        switch argument {
        case .dot: return dot
        case .literal(let value): return value
        case .nilLiteral: throw TemplateError("nil is not a command")
        case .variable(let name):
            guard let found = variables.last(where: { $0.0 == name }) else {
                throw TemplateError("undefined variable: \(name)")
            }
            return found.1
        case .function(let name):
            return try call(name, [], dot: dot, final: nil)
        case .pipeline(let pipeline):
            let mark = variables.count
            defer { variables.removeSubrange(mark...) }
            return try evaluate(pipeline, dot: dot)
        case .fieldChain(let receiver, let names, let location):
            var value = try evaluate(receiver, dot: dot)
            do {
                for name in names { value = try field(name, of: value) }
            } catch {
                throw located(error, at: location)
            }
            return value
        }
    }
}


func goTypeName(_ value: Value) -> String {
    switch value {
    case .null: return "<nil>"
    case .bool: return "bool"
    case .int: return "int"
    case .double: return "float64"
    case .string: return "string"
    case .array: return "[]interface {}"
    case .object: return "map[string]interface {}"
    }
}
