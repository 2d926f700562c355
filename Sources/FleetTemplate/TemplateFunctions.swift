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

        addLists(to: &t)
        addDictionaries(to: &t)
        addNumbersAndTypes(to: &t)
        addPathsAndCopies(to: &t)

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
