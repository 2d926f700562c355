import FleetModel
import OrderedCollections

/// Sprig's list, dictionary, number, type and path functions (part of `TemplateFunctions.table`).
extension TemplateFunctions {
    static func addLists(to t: inout [String: TemplateFunction]) {
        // MARK: Sprig: lists
        t["list"] = { a in .array(a) }
        t["tuple"] = t["list"]
        t["first"] = listUnary { $0.first ?? .null }
        t["last"] = listUnary { $0.last ?? .null }
        t["rest"] = listUnary { .array(Array($0.dropFirst())) }
        t["initial"] = listUnary { .array(Array($0.dropLast())) }
        t["reverse"] = listUnary { .array($0.reversed()) }
        t["compact"] = listUnary { .array($0.filter { !isEmpty($0) }) }
        t["uniq"] = listUnary { list in
            var seen = Set<Value>()
            return .array(list.filter { seen.insert($0).inserted })
        }
        t["sortAlpha"] = listUnary { .array(stringList(.array($0)).sorted().map(Value.string)) }
        t["append"] = { a in
            try arity(a, 2, "append")
            return .array(try list(a[0]) + [a[1]])
        }
        t["push"] = t["append"]
        t["prepend"] = { a in
            try arity(a, 2, "prepend")
            return .array([a[1]] + (try list(a[0])))
        }
        t["concat"] = { a in
            var out: [Value] = []
            for v in a { out += try list(v) }
            return .array(out)
        }
        t["has"] = { a in
            try arity(a, 2, "has")
            return .bool((try list(a[1])).contains(a[0]))
        }
        t["without"] = { a in
            guard let first = a.first else { throw TemplateError("without needs a list") }
            let drop = a.dropFirst()
            return .array((try list(first)).filter { !drop.contains($0) })
        }
    }

    static func addDictionaries(to t: inout [String: TemplateFunction]) {
        // MARK: Sprig: dictionaries
        t["dict"] = { a in
            var object = ValueObject()
            var i = 0
            while i < a.count {
                object[str(a[i])] = i + 1 < a.count ? a[i + 1] : .string("")
                i += 2
            }
            return .object(object)
        }
        t["get"] = { a in
            try arity(a, 2, "get")
            guard case .object(let o) = a[0] else { throw TemplateError("get needs a dict") }
            return o[str(a[1])] ?? .string("")
        }
        t["set"] = { a in
            try arity(a, 3, "set")
            guard case .object(var o) = a[0] else { throw TemplateError("set needs a dict") }
            o[str(a[1])] = a[2]
            return .object(o)
        }
        t["unset"] = { a in
            try arity(a, 2, "unset")
            guard case .object(var o) = a[0] else { throw TemplateError("unset needs a dict") }
            o[str(a[1])] = nil
            return .object(o)
        }
        t["hasKey"] = { a in
            try arity(a, 2, "hasKey")
            guard case .object(let o) = a[0] else { throw TemplateError("hasKey needs a dict") }
            return .bool(o[str(a[1])] != nil)
        }
        t["keys"] = { a in
            var keys: [String] = []
            for v in a {
                guard case .object(let o) = v else { throw TemplateError("keys needs dicts") }
                keys += o.keys
            }
            return .array(keys.sorted().map(Value.string))
        }
        t["values"] = { a in
            try arity(a, 1, "values")
            guard case .object(let o) = a[0] else { throw TemplateError("values needs a dict") }
            return .array(o.keys.sorted().map { o[$0]! })
        }
        t["pick"] = { a in
            guard case .object(let o)? = a.first else { throw TemplateError("pick needs a dict") }
            let wanted = Set(a.dropFirst().map(str))
            return .object(o.filter { wanted.contains($0.key) })
        }
        t["omit"] = { a in
            guard case .object(let o)? = a.first else { throw TemplateError("omit needs a dict") }
            let dropped = Set(a.dropFirst().map(str))
            return .object(o.filter { !dropped.contains($0.key) })
        }
        t["merge"] = { a in try mergeDicts(a, overwrite: false) }
        t["mergeOverwrite"] = { a in try mergeDicts(a, overwrite: true) }
    }

    static func addNumbersAndTypes(to t: inout [String: TemplateFunction]) {
        // MARK: Sprig: numbers and types
        t["int"] = { a in try arity(a, 1, "int"); return .int(toInt(a[0])) }
        t["int64"] = t["int"]
        t["atoi"] = unary { .int(Int($0) ?? 0) }
        t["float64"] = { a in try arity(a, 1, "float64"); return .double(toDouble(a[0])) }
        t["add"] = { a in .int(a.reduce(0) { $0 &+ toInt($1) }) }
        t["add1"] = { a in try arity(a, 1, "add1"); return .int(toInt(a[0]) &+ 1) }
        t["sub"] = { a in try arity(a, 2, "sub"); return .int(toInt(a[0]) &- toInt(a[1])) }
        t["mul"] = { a in .int(a.reduce(1) { $0 &* toInt($1) }) }
        t["div"] = { a in
            try arity(a, 2, "div")
            guard toInt(a[1]) != 0 else { throw TemplateError("runtime error: integer divide by zero") }
            return .int(toInt(a[0]) / toInt(a[1]))
        }
        t["mod"] = { a in
            try arity(a, 2, "mod")
            guard toInt(a[1]) != 0 else { throw TemplateError("runtime error: integer divide by zero") }
            return .int(toInt(a[0]) % toInt(a[1]))
        }
        // Sprig's float functions (float64 results; sums and products through decimals there,
        // which float64 arithmetic matches for the values templates carry).
        t["addf"] = { a in .double(a.reduce(0.0) { $0 + toDouble($1) }) }
        t["add1f"] = { a in try arity(a, 1, "add1f"); return .double(toDouble(a[0]) + 1) }
        t["subf"] = { a in
            guard let first = a.first else { return .double(0) }
            return .double(a.dropFirst().reduce(toDouble(first)) { $0 - toDouble($1) })
        }
        t["mulf"] = { a in .double(a.reduce(1.0) { $0 * toDouble($1) }) }
        t["divf"] = { a in
            guard let first = a.first else { return .double(0) }
            return .double(a.dropFirst().reduce(toDouble(first)) { $0 / toDouble($1) })
        }
        t["maxf"] = { a in .double(a.map(toDouble).max() ?? 0) }
        t["minf"] = { a in .double(a.map(toDouble).min() ?? 0) }
        t["floor"] = { a in try arity(a, 1, "floor"); return .double(toDouble(a[0]).rounded(.down)) }
        t["ceil"] = { a in try arity(a, 1, "ceil"); return .double(toDouble(a[0]).rounded(.up)) }
        t["round"] = { a in
            guard a.count == 2 || a.count == 3 else { throw TemplateError("wrong number of args for round: want 2 or 3 got \(a.count)") }
            let places = toInt(a[1])
            let half = a.count == 3 ? toDouble(a[2]) : 0.5
            var scale = 1.0
            for _ in 0..<max(0, min(places, 300)) { scale *= 10 }
            // Sprig: the fractional part (signed, as math.Modf gives it) decides ceil or floor.
            let value = toDouble(a[0]) * scale
            let fraction = value - value.rounded(.towardZero)
            return .double((fraction >= half ? value.rounded(.up) : value.rounded(.down)) / scale)
        }
        t["all"] = { a in .bool(a.allSatisfy(templateTruth)) }
        t["any"] = { a in .bool(a.contains(where: templateTruth)) }
        t["deepEqual"] = { a in try arity(a, 2, "deepEqual"); return .bool(a[0] == a[1]) }
        t["max"] = { a in .int(a.map(toInt).max() ?? 0) }
        t["min"] = { a in .int(a.map(toInt).min() ?? 0) }
        t["kindOf"] = { a in try arity(a, 1, "kindOf"); return .string(goKind(a[0])) }
        t["kindIs"] = { a in try arity(a, 2, "kindIs"); return .bool(str(a[0]) == goKind(a[1])) }
        t["typeOf"] = { a in try arity(a, 1, "typeOf"); return .string(goTypeName(a[0])) }
        t["typeIs"] = { a in try arity(a, 2, "typeIs"); return .bool(str(a[0]) == goTypeName(a[1])) }
    }

    static func addPathsAndCopies(to t: inout [String: TemplateFunction]) {
        // MARK: Sprig: paths (Go's path package), deepCopy, pluck
        t["base"] = unary { .string(GoPath.base($0)) }
        t["dir"] = unary { .string(GoPath.dir($0)) }
        t["ext"] = unary { .string(GoPath.ext($0)) }
        t["clean"] = unary { .string(GoPath.clean($0)) }
        t["isAbs"] = unary { .bool($0.hasPrefix("/")) }
        t["deepCopy"] = { a in try arity(a, 1, "deepCopy"); return a[0] }
        // until N, untilStep START STOP STEP: integer lists (bounded like every list built here).
        t["until"] = { a in
            try arity(a, 1, "until")
            guard let n = a[0].asInt else { throw TemplateError("until: the count must be an integer") }
            try withinBudget(max(n, 0), times: 16, "until")
            return .array((0..<max(n, 0)).map { .int($0) })
        }
        t["untilStep"] = { a in
            try arity(a, 3, "untilStep")
            guard let start = a[0].asInt, let stop = a[1].asInt, let step = a[2].asInt else { throw TemplateError("untilStep: integers expected") }
            guard step != 0, (stop - start) / step >= 0 else { return .array([]) }
            try withinBudget((stop - start) / step + 1, times: 16, "untilStep")
            return .array(Swift.stride(from: start, to: stop, by: step).map { .int($0) })
        }
        // seq as Sprig (and bash) count: `seq 3` 1..3, `seq 2 5`, `seq 0 2 10`, downwards too.
        t["seq"] = { a in
            let n = try a.map { (v) throws -> Int in
                guard let i = v.asInt else { throw TemplateError("seq: integers expected") }
                return i
            }
            func run(_ start: Int, _ stop: Int, _ step: Int) throws -> Value {
                if stop < start ? step >= 0 : step <= 0 { return "" }
                try withinBudget(abs((stop - start) / step) + 1, times: 8, "seq")
                return .string(Swift.stride(from: start, to: stop, by: step).map(String.init).joined(separator: " "))
            }
            switch n.count {
            case 1: return try run(1, n[0] + (n[0] < 1 ? -1 : 1), n[0] < 1 ? -1 : 1)
            case 2: return try run(n[0], n[1] + (n[1] < n[0] ? -1 : 1), n[1] < n[0] ? -1 : 1)
            case 3:
                if n[2] < n[0] && n[1] > 0 { return "" }
                return try run(n[0], n[2] + (n[2] < n[0] ? -1 : 1), n[1])
            default: return ""
            }
        }
        t["chunk"] = { a in
            try arity(a, 2, "chunk")
            guard let size = a[0].asInt, size > 0, case .array(let items) = a[1] else { throw TemplateError("chunk: a positive size and a list expected") }
            return .array(Swift.stride(from: 0, to: items.count, by: size).map { .array(Array(items[$0..<min($0 + size, items.count)])) })
        }
        // dig KEY... DEFAULT DICT: the value at the keys, or the default where one is missing.
        t["dig"] = { a in
            guard a.count >= 3 else { throw TemplateError("wrong number of args for dig: want at least 3 got \(a.count)") }
            guard case .object = a[a.count - 1] else { throw TemplateError("dig: the last argument must be a map, got \(goTypeName(a[a.count - 1]))") }
            var node = a[a.count - 1]
            for key in a[0..<(a.count - 2)] {
                guard case .string(let k) = key else { throw TemplateError("dig: keys must be strings") }
                guard case .object(let fields) = node, let child = fields[k] else { return a[a.count - 2] }
                node = child
            }
            return node
        }
        t["pluck"] = { a in
            guard let key = a.first?.stringValue else { throw TemplateError("pluck: the key must be a string") }
            return .array(a.dropFirst().compactMap { $0.objectValue?[key] })
        }
        // Sprig's must* variants return errors where the plain ones would panic or hide them;
        // ours already fail with an error, so each is its plain function.
        for name in ["append", "prepend", "first", "last", "rest", "initial", "reverse", "compact", "uniq", "without", "has",
                     "slice", "push", "toJson", "toPrettyJson", "toRawJson", "merge", "mergeOverwrite", "deepCopy"] {
            if t["must" + name.prefix(1).uppercased() + name.dropFirst()] == nil, let f = t[name] {
                t["must" + name.prefix(1).uppercased() + name.dropFirst()] = f
            }
        }
    }
}
