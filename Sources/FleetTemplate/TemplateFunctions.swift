import OrderedCollections
import Crypto
import FleetModel
import FleetRegex
import FleetYAML

/// A template function: its arguments, evaluated, in; its value out.
public typealias TemplateFunction = @Sendable ([Value]) throws -> Value

/// The functions templates can call: Go's built-ins, the Sprig functions (without `env`,
/// `expandenv` and `getHostByName`, which Argo CD and Helm remove too) and `toYaml`, `fromYaml`
/// and `fromYamlArray`. Functions whose output would change from one run to the next (`now`,
/// `uuidv4`, `rand*`) are refused: plans must be reproducible from a commit. Users of the
/// engine add their own (`normalize` and `slugify` for ApplicationSets).
public enum TemplateFunctions {
    public static let table: [String: TemplateFunction] = {
        var t: [String: TemplateFunction] = [:]

        // MARK: Go built-ins
        t["not"] = { a in try arity(a, 1, "not"); return .bool(!templateTruth(a[0])) }
        t["len"] = { a in
            try arity(a, 1, "len")
            switch a[0] {
            case .string(let s): return .int(s.utf8.count)
            case .array(let x): return .int(x.count)
            case .object(let o): return .int(o.count)
            case .null: return .int(0)
            default: throw TemplateError("len of type \(goTypeName(a[0]))")
            }
        }
        t["index"] = { a in
            guard var value = a.first else { throw TemplateError("index of untyped nil") }
            for key in a.dropFirst() {
                switch (value, key) {
                case (.array(let x), _):
                    guard let i = key.asInt, i >= 0, i < x.count else { throw TemplateError("index out of range: \(goFormat(key))") }
                    value = x[i]
                case (.string(let s), _):
                    let bytes = Array(s.utf8)
                    guard let i = key.asInt, i >= 0, i < bytes.count else { throw TemplateError("index out of range: \(goFormat(key))") }
                    value = .int(Int(bytes[i]))
                case (.object(let o), .string(let k)): value = o[k] ?? .null
                case (.object, _): throw TemplateError("value has type \(goTypeName(key)); should be string")
                case (.null, _): throw TemplateError("index of untyped nil")
                default: throw TemplateError("can't index item of type \(goTypeName(value))")
                }
            }
            return value
        }
        t["slice"] = { a in
            guard let item = a.first else { throw TemplateError("slice of untyped nil") }
            let bounds = try a.dropFirst().map { (v) throws -> Int in
                guard let i = v.asInt else { throw TemplateError("cannot index slice/array with type \(goTypeName(v))") }
                return i
            }
            func cut(_ count: Int) throws -> Range<Int> {
                let low = bounds.count > 0 ? bounds[0] : 0
                let high = bounds.count > 1 ? bounds[1] : count
                guard 0 <= low, low <= high, high <= count else { throw TemplateError("index out of range: \(low):\(high)") }
                return low..<high
            }
            switch item {
            case .string(let s):
                let bytes = Array(s.utf8)
                return .string(String(decoding: bytes[try cut(bytes.count)], as: UTF8.self))
            case .array(let x): return .array(Array(x[try cut(x.count)]))
            default: throw TemplateError("can't slice item of type \(goTypeName(item))")
            }
        }
        t["print"] = { a in .string(goSprint(a)) }
        t["println"] = { a in .string(a.map { goFormat($0) }.joined(separator: " ") + "\n") }
        t["printf"] = { a in
            guard case .string(let format)? = a.first else { throw TemplateError("printf needs a format string") }
            return .string(try GoFormatter.sprintf(format, Array(a.dropFirst()), limit: TemplateExecution.maxProduced))
        }
        t["eq"] = { a in
            guard a.count >= 2 else { throw TemplateError("missing argument for comparison") }
            for b in a.dropFirst() where try compare(a[0], b) == 0 { return .bool(true) }
            return .bool(false)
        }
        t["ne"] = { a in try arity(a, 2, "ne"); return .bool(try compare(a[0], a[1]) != 0) }
        t["lt"] = { a in try arity(a, 2, "lt"); return .bool(try order(a[0], a[1]) < 0) }
        t["le"] = { a in try arity(a, 2, "le"); return .bool(try order(a[0], a[1]) <= 0) }
        t["gt"] = { a in try arity(a, 2, "gt"); return .bool(try order(a[0], a[1]) > 0) }
        t["ge"] = { a in try arity(a, 2, "ge"); return .bool(try order(a[0], a[1]) >= 0) }
        t["urlquery"] = { a in .string(URLQuery.escape(goSprint(a), spaceAsPlus: true)) }
        t["html"] = { a in
            .string(goSprint(a).replacingAll([("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("\"", "&#34;"), ("'", "&#39;")]))
        }
        t["js"] = { a in
            .string(goSprint(a).replacingAll([("\\", "\\\\"), ("'", "\\'"), ("\"", "\\\""), ("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"), ("=", "\\u003D")]))
        }

        // MARK: Sprig: defaults and logic
        t["default"] = { a in
            guard a.count >= 1 else { throw TemplateError("wrong number of args for default: want at least 1 got 0") }
            if a.count == 1 { return a[0] }
            return isEmpty(a[1]) ? a[0] : a[1]
        }
        t["empty"] = { a in try arity(a, 1, "empty"); return .bool(isEmpty(a[0])) }
        t["coalesce"] = { a in a.first { !isEmpty($0) } ?? .null }
        t["ternary"] = { a in
            try arity(a, 3, "ternary")
            return templateTruth(a[2]) ? a[0] : a[1]
        }
        t["fail"] = { a in let message = goSprint(a); throw TemplateError(message, failure: message) }
        t["required"] = { a in
            try arity(a, 2, "required")
            if case .null = a[1] { throw TemplateError(str(a[0]), failure: str(a[0])) }
            if case .string("") = a[1] { throw TemplateError(str(a[0]), failure: str(a[0])) }
            return a[1]
        }

        // MARK: Sprig: strings
        t["upper"] = unary { .string($0.uppercased()) }
        t["lower"] = unary { .string($0.lowercased()) }
        t["title"] = unary { .string(titleCase($0)) }
        t["untitle"] = unary { s in
            var out = ""
            var previous: Character = " "
            for c in s { out.append(previous == " " ? Character(c.lowercased()) : c); previous = c }
            return .string(out)
        }
        t["trim"] = unary { .string(trim($0, isSpace)) }
        t["nospace"] = unary { .string(String($0.filter { !isSpace($0) })) }
        t["trimAll"] = binary { cutset, s in .string(trim(s) { cutset.contains($0) }) }
        t["trimPrefix"] = binary { p, s in .string(s.hasPrefix(p) ? String(s.dropFirst(p.count)) : s) }
        t["trimSuffix"] = binary { p, s in .string(s.hasSuffix(p) ? String(s.dropLast(p.count)) : s) }
        t["trunc"] = { a in
            try arity(a, 2, "trunc")
            guard let n = a[0].asInt else { throw TemplateError("trunc needs an integer length") }
            let s = Array(str(a[1]).utf8)
            if n < 0 && s.count + n > 0 { return .string(String(decoding: s[(s.count + n)...], as: UTF8.self)) }
            if n >= 0 && s.count > n { return .string(String(decoding: s[..<n], as: UTF8.self)) }
            return .string(String(decoding: s, as: UTF8.self))
        }
        t["substr"] = { a in
            try arity(a, 3, "substr")
            guard let start = a[0].asInt, let end = a[1].asInt else { throw TemplateError("substr needs integer bounds") }
            let s = Array(str(a[2]).utf8)
            if start < 0 { return .string(String(decoding: s[..<min(max(end, 0), s.count)], as: UTF8.self)) }
            if end < 0 || end > s.count { return .string(String(decoding: s[min(start, s.count)...], as: UTF8.self)) }
            guard start <= end else { return .string("") }
            return .string(String(decoding: s[start..<end], as: UTF8.self))
        }
        t["replace"] = { a in
            try arity(a, 3, "replace")
            let (old, new, text) = (str(a[0]), str(a[1]), str(a[2]))
            if new.utf8.count > old.utf8.count {
                let occurrences = old.isEmpty ? text.unicodeScalars.count + 1 : text.ranges(of: old).count
                try withinBudget(occurrences, times: new.utf8.count - old.utf8.count, "replace", plus: text.utf8.count)
            }
            if old.isEmpty {
                // Go's strings.Replace: an empty old matches before every rune and at the end.
                return .string(new + text.unicodeScalars.map { String($0) + new }.joined())
            }
            return .string(text.replacingAll([(old, new)]))
        }
        t["repeat"] = { a in
            try arity(a, 2, "repeat")
            guard let n = a[0].asInt, n >= 0 else { throw TemplateError("repeat needs a non-negative count") }
            let unit = str(a[1])
            try withinBudget(n, times: unit.utf8.count, "repeat")
            return .string(String(repeating: unit, count: n))
        }
        t["cat"] = { a in .string(a.filter { !$0.isNull }.map { goFormat($0) }.joined(separator: " ")) }
        t["indent"] = { a in
            try arity(a, 2, "indent")
            guard let n = a[0].asInt, n >= 0 else { throw TemplateError("indent needs a count") }
            let text = str(a[1])
            let lines = text.utf8.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            try withinBudget(n, times: lines, "indent", plus: text.utf8.count)
            let pad = String(repeating: " ", count: n)
            return .string(pad + text.replacingAll([("\n", "\n" + pad)]))
        }
        t["nindent"] = { a in
            let indented = try table["indent"]!(a)
            return .string("\n" + str(indented))
        }
        t["quote"] = { a in
            .string(a.filter { !$0.isNull }.map { GoFormatter.quote(str($0)) }.joined(separator: " "))
        }
        t["squote"] = { a in
            .string(a.filter { !$0.isNull }.map { "'" + str($0) + "'" }.joined(separator: " "))
        }
        t["contains"] = binary { sub, s in .bool(sub.isEmpty || s.contains(sub)) }
        t["hasPrefix"] = binary { p, s in .bool(s.hasPrefix(p)) }
        t["hasSuffix"] = binary { p, s in .bool(s.hasSuffix(p)) }
        t["toString"] = { a in try arity(a, 1, "toString"); return .string(str(a[0])) }
        t["snakecase"] = unary { .string(wordCase($0, separator: "_")) }
        t["kebabcase"] = unary { .string(wordCase($0, separator: "-")) }
        t["camelcase"] = unary { s in
            .string(s.split(separator: "_").map { titleCase(String($0)) }.joined())
        }
        t["join"] = { a in
            try arity(a, 2, "join")
            return .string(stringList(a[1]).joined(separator: str(a[0])))
        }
        t["split"] = binary { sep, s in
            var object = ValueObject()
            for (i, part) in goSplit(s, sep).enumerated() { object["_\(i)"] = .string(part) }
            return .object(object)
        }
        t["splitList"] = binary { sep, s in .array(goSplit(s, sep).map(Value.string)) }
        t["splitn"] = { a in
            try arity(a, 3, "splitn")
            guard let n = a[1].asInt else { throw TemplateError("splitn needs a count") }
            var parts = goSplit(str(a[2]), str(a[0]))
            if n > 0 && parts.count > n {
                let tail = parts[(n - 1)...].joined(separator: str(a[0]))
                parts = Array(parts[..<(n - 1)]) + [tail]
            }
            var object = ValueObject()
            for (i, part) in parts.enumerated() { object["_\(i)"] = .string(part) }
            return .object(object)
        }

        // MARK: Sprig: encodings and digests
        t["sha256sum"] = unary { .string(Hex.encode(SHA256.hash(data: Array($0.utf8)))) }
        t["sha1sum"] = unary { .string(Hex.encode(Insecure.SHA1.hash(data: Array($0.utf8)))) }
        t["b64enc"] = unary { .string(Base64.encode($0)) }
        t["b64dec"] = unary { s in
            guard let bytes = Base64.decode(s) else { return .string("illegal base64 data") }
            return .string(String(decoding: bytes, as: UTF8.self))
        }
        t["toJson"] = { a in try arity(a, 1, "toJson"); return .string(goJSON(a[0], escapeHTML: true)) }
        t["toRawJson"] = { a in try arity(a, 1, "toRawJson"); return .string(goJSON(a[0], escapeHTML: false)) }
        t["toPrettyJson"] = { a in
            try arity(a, 1, "toPrettyJson")
            // Sprig trims json.MarshalIndent's output.
            return .string(goJSON(a[0], escapeHTML: true, pretty: true).trimmingWhitespace())
        }
        t["fromJson"] = unary { s in (try? JSON.parse(s)) ?? .object([:]) }
        t["toYaml"] = { a in
            try arity(a, 1, "toYaml")
            var text = YAML.emit(sortedKeys(a[0]), options: .kustomize)
            if text.hasSuffix("\n") { text.removeLast() }
            return .string(text)
        }
        t["fromYaml"] = { a in
            try arity(a, 1, "fromYaml")
            let parsed: Value
            do { parsed = try YAML.parse(str(a[0])) } catch { throw TemplateError("error converting YAML to JSON: \((error as? YAMLError)?.goText ?? "\(error)")") }
            switch parsed {
            case .object: return goNumbers(parsed)
            case .null: return .object([:])
            default: throw TemplateError("error unmarshaling JSON: cannot unmarshal \(goTypeName(parsed)) into map[string]interface {}")
            }
        }
        t["fromYamlArray"] = { a in
            try arity(a, 1, "fromYamlArray")
            let parsed: Value
            do { parsed = try YAML.parse(str(a[0])) } catch { throw TemplateError("error converting YAML to JSON: \((error as? YAMLError)?.goText ?? "\(error)")") }
            switch parsed {
            case .array: return goNumbers(parsed)
            case .null: return .array([])
            default: throw TemplateError("error unmarshaling JSON: cannot unmarshal \(goTypeName(parsed)) into []interface {}")
            }
        }

        // MARK: Sprig: regular expressions (Go's regexp: RE2 syntax, linear time)
        // Sprig's plain forms panic on a bad pattern (a template error naming the pattern),
        // except regexMatch, which is false; the must* forms return Go's parse error.
        for (name, must) in [("regexMatch", false), ("mustRegexMatch", true)] {
            t[name] = { a in
                try arity(a, 2, name)
                guard let re = try regex(str(a[0]), must: must, lenient: !must) else { return .bool(false) }
                return .bool(try run { try re.matches(str(a[1])) })
            }
        }
        for (name, must) in [("regexFind", false), ("mustRegexFind", true)] {
            t[name] = { a in
                try arity(a, 2, name)
                let re = try regex(str(a[0]), must: must)!
                return .string(try run { try re.find(str(a[1])) } ?? "")
            }
        }
        for (name, must) in [("regexFindAll", false), ("mustRegexFindAll", true)] {
            t[name] = { a in
                try arity(a, 3, name)
                let re = try regex(str(a[0]), must: must)!
                return .array(try run { try re.findAll(str(a[1]), limit: toInt(a[2])) }.map(Value.string))
            }
        }
        for (name, must) in [("regexReplaceAll", false), ("mustRegexReplaceAll", true)] {
            t[name] = { a in
                try arity(a, 3, name)
                let re = try regex(str(a[0]), must: must)!
                return .string(try run { try re.replaceAll(str(a[1]), with: str(a[2])) })
            }
        }
        for (name, must) in [("regexReplaceAllLiteral", false), ("mustRegexReplaceAllLiteral", true)] {
            t[name] = { a in
                try arity(a, 3, name)
                let re = try regex(str(a[0]), must: must)!
                return .string(try run { try re.replaceAllLiteral(str(a[1]), with: str(a[2])) })
            }
        }
        for (name, must) in [("regexSplit", false), ("mustRegexSplit", true)] {
            t[name] = { a in
                try arity(a, 3, name)
                let re = try regex(str(a[0]), must: must)!
                return .array(try run { try re.split(str(a[1]), limit: toInt(a[2])) }.map(Value.string))
            }
        }
        t["regexQuoteMeta"] = unary { .string(GoRegex.quoteMeta($0)) }

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

        // MARK: Semantic versions (Masterminds/semver v3)
        t["semver"] = { a in
            try arity(a, 1, "semver")
            guard case .string(let text) = a[0], let version = SemanticVersion(text) else {
                throw TemplateError("error calling semver: Invalid Semantic Version")
            }
            return version.value
        }
        t["semverCompare"] = { a in
            try arity(a, 2, "semverCompare")
            guard case .string(let constraintText) = a[0], case .string(let versionText) = a[1] else {
                throw TemplateError("error calling semverCompare: both arguments must be strings")
            }
            let constraint: SemverConstraint
            do { constraint = try SemverConstraint(constraintText) } catch let error as TemplateError { throw TemplateError("error calling semverCompare: \(error.message)") }
            guard let version = SemanticVersion(versionText) else { throw TemplateError("error calling semverCompare: Invalid Semantic Version") }
            return .bool(constraint.check(version))
        }

        addSprigExtras(to: &t)

        // Refused: would make plans differ between two runs on the same commit.
        for name in ["now", "date", "dateInZone", "ago", "uuidv4", "randAlpha", "randAlphaNum", "randNumeric", "randAscii", "randBytes", "randInt", "env", "expandenv", "getHostByName"] {
            t[name] = { _ in
                throw TemplateError("\(name) is not available: rendered output must be the same every time a commit is rendered")
            }
        }
        return t
    }()
}
