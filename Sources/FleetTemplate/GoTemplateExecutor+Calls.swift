import FleetModel

/// Calls in a template: functions (Sprig's, Helm's, `include`/`tpl`, the built-ins), methods of
/// typed receivers, field access, and Go's write-back of a map that a function mutated.
extension TemplateExecution {
    /// The method `name` of a receiver that carries a type (`TemplateMethods.typeKey`).
    func method(_ name: String, of receiver: Value) -> TemplateMethod? {
        guard case .string(let type)? = receiver[TemplateMethods.typeKey] else { return nil }
        return methods[type + "." + name]
    }

    func invoke(_ method: TemplateMethod, _ name: String, _ receiver: Value, _ arguments: [Value]) throws(TemplateError) -> Value {
        do {
            return try method(receiver, arguments)
        } catch let error as TemplateError {
            throw error.calling(name)
        } catch {
            throw TemplateError("error calling \(name): \(error)")
        }
    }

    func field(_ name: String, of value: Value) throws(TemplateError) -> Value {
        switch value {
        case .object(let object):
            if let found = object[name] { return found }
            // A method without arguments, used as a field (`(.Files.Glob "*.conf").AsConfig`).
            if let method = method(name, of: value) { return try invoke(method, name, value, []) }
            switch missingKey {
            case .noValue, .zero: return .null
            case .error: throw TemplateError("map has no entry for key \"\(name)\"")
            }
        case .null:
            throw TemplateError("nil pointer evaluating interface {}.\(name)")
        default:
            throw TemplateError("can't evaluate field \(name) in type \(goTypeName(value))")
        }
    }

    mutating func call(_ name: String, _ arguments: [TemplateArgument], dot: Value, final: Value?) throws(TemplateError) -> Value {
        // `and` and `or` evaluate their arguments only as far as needed.
        if name == "and" || name == "or" {
            var operands = arguments.map { Optional($0) }
            if final != nil { operands.append(nil) }
            guard !operands.isEmpty else { throw TemplateError("wrong number of args for \(name): want at least 1 got 0") }
            var last: Value = .null
            for operand in operands {
                last = try operand.map { (a) throws(TemplateError) in try evaluateArgument(a, dot: dot) } ?? final!
                if templateTruth(last) != (name == "and") { return last }
            }
            return last
        }
        if includeAndTpl && (name == "include" || name == "tpl") {
            var values: [Value] = []
            for argument in arguments { values.append(try evaluateArgument(argument, dot: dot)) }
            if let final { values.append(final) }
            let result: Value
            do { result = name == "include" ? try include(values) : try tpl(values) } catch {
                // An error inside the included template is reported by the caller's command.
                throw error.location == nil ? error : error.calling(name)
            }
            try charge(result)
            return result
        }
        guard let function = functions[name] else {
            throw TemplateError("function \"\(name)\" not defined")
        }
        var values: [Value] = []
        values.reserveCapacity(arguments.count + 1)
        for argument in arguments { values.append(try evaluateArgument(argument, dot: dot)) }
        if let final { values.append(final) }
        do {
            let result = try function(values)
            try charge(result)
            if Self.mutatingFunctions.contains(name), let target = arguments.first {
                writeBack(result, to: target)
            }
            return result
        } catch let error as TemplateError {
            throw error.calling(name)
        } catch {
            throw TemplateError("error calling \(name): \(error)")
        }
    }

    /// Sprig functions that change the map they are given: Go maps are references, so the
    /// variable (or the map inside a variable) handed to them sees the change afterwards.
    static let mutatingFunctions: Set<String> = ["set", "unset", "merge", "mustMerge", "mergeOverwrite", "mustMergeOverwrite"]

    /// Stores a mutating function's result where its map argument came from, for the forms
    /// charts use (`set $d "k" v`, `mergeOverwrite $d.a $other`). Other aliases of the same map
    /// (a second variable bound to it, the dot) keep the old value.
    mutating func writeBack(_ result: Value, to target: TemplateArgument) {
        guard case .object = result else { return }
        let name: String, path: [String]
        switch target {
        case .variable(let variable): name = variable; path = []
        case .fieldChain(.variable(let variable), let names, _): name = variable; path = names
        default: return
        }
        guard let index = variables.lastIndex(where: { $0.0 == name }) else { return }
        func replaced(_ value: Value, at path: ArraySlice<String>) -> Value? {
            guard let key = path.first else { return result }
            guard case .object(var object) = value, let child = object[key], let updated = replaced(child, at: path.dropFirst()) else { return nil }
            object[key] = updated
            return .object(object)
        }
        if let updated = replaced(variables[index].1, at: path[...]) { variables[index].1 = updated }
    }

    mutating func evaluateArgument(_ argument: TemplateArgument, dot: Value) throws(TemplateError) -> Value {
        if case .nilLiteral = argument { return .null }
        if case .function(let name) = argument { return try call(name, [], dot: dot, final: nil) }
        return try evaluate(argument, dot: dot)
    }
}
