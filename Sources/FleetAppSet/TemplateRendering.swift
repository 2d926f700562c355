import OrderedCollections
import FleetModel
import FleetTemplate

/// Argo CD's name helpers, exposed to templates as `normalize` and `slugify` and used for the
/// `nameNormalized` and `*Normalized` parameters.
public enum ArgoNames {
    /// `SanitizeName`: lower-case, every character outside `[-a-z0-9.]` becomes `-`, at most
    /// 253 bytes, then leading and trailing `-` and `.` trimmed.
    public static func sanitize(_ name: String) -> String {
        var bytes: [UInt8] = []
        for scalar in name.lowercased().unicodeScalars {
            let v = scalar.value
            let allowed = (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x2D || v == 0x2E
            bytes.append(allowed ? UInt8(v) : UInt8(ascii: "-"))
        }
        if bytes.count > 253 { bytes = Array(bytes[..<253]) }
        while let f = bytes.first, f == UInt8(ascii: "-") || f == UInt8(ascii: ".") { bytes.removeFirst() }
        while let l = bytes.last, l == UInt8(ascii: "-") || l == UInt8(ascii: ".") { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `slugify`: the name sanitized as `normalize` does, then gosimple/slug as Argo CD
    /// configures it: characters outside `[a-z0-9-_]` become `-`, runs of `-` collapse, `-` and
    /// `_` trimmed from the ends, then cut to `maxSize`, at the last `-` before the limit when
    /// `smartTruncate` is set.
    public static func slugify(_ name: String, maxSize: Int = 50, smartTruncate: Bool = true) -> String {
        var bytes: [UInt8] = []
        for scalar in sanitize(name).unicodeScalars {
            let v = scalar.value
            let allowed = (v >= 0x61 && v <= 0x7A) || (v >= 0x30 && v <= 0x39) || v == 0x2D || v == 0x5F
            let b = allowed ? UInt8(v) : UInt8(ascii: "-")
            if b == UInt8(ascii: "-"), bytes.last == UInt8(ascii: "-") { continue }
            bytes.append(b)
        }
        while let f = bytes.first, f == UInt8(ascii: "-") || f == UInt8(ascii: "_") { bytes.removeFirst() }
        while let l = bytes.last, l == UInt8(ascii: "-") || l == UInt8(ascii: "_") { bytes.removeLast() }
        if maxSize > 0, bytes.count > maxSize {
            var cut = maxSize
            if smartTruncate, let dash = bytes[...maxSize].lastIndex(of: UInt8(ascii: "-")) { cut = dash }
            bytes = Array(bytes[..<cut])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Renders the strings of an Application template (or of a generator, for a matrix's second
/// child) with one parameter set, as Argo CD's `RenderTemplateParams` does: every string value
/// and every map key is a template of its own.
struct TemplateRenderer {
    let useGoTemplate: Bool
    let missingKey: MissingKeyPolicy

    init(useGoTemplate: Bool, options: [String]) throws(TemplateError) {
        self.useGoTemplate = useGoTemplate
        missingKey = try MissingKeyPolicy(options: options)
    }

    func render(_ value: Value, with parameters: ValueObject) throws(TemplateError) -> Value {
        let data = Value.object(parameters)
        return try walk(value, data, parameters)
    }

    private func walk(_ value: Value, _ data: Value, _ parameters: ValueObject) throws(TemplateError) -> Value {
        switch value {
        case .string(let s):
            return .string(try renderString(s, data, parameters))
        case .array(let a):
            var out: [Value] = []
            out.reserveCapacity(a.count)
            for element in a { out.append(try walk(element, data, parameters)) }
            return .array(out)
        case .object(let o):
            var out = ValueObject()
            out.reserveCapacity(o.count)
            for (key, member) in o {
                out[try renderString(key, data, parameters)] = try walk(member, data, parameters)
            }
            return .object(out)
        default:
            return value
        }
    }

    func renderString(_ s: String, _ data: Value, _ parameters: ValueObject) throws(TemplateError) -> String {
        guard s.utf8.count >= 4, s.contains("{{") else { return s }
        if useGoTemplate {
            let template: GoTemplate
            do { template = try GoTemplate(parsing: s) } catch { throw TemplateError("failed to parse template \(s): \(error.message)") }
            do { return try template.execute(data, missingKey: missingKey, functions: ArgoTemplateFunctions.table) } catch {
                throw TemplateError("failed to execute go template \(s): \(error.message)")
            }
        }
        return FastTemplate.render(s, parameters)
    }
}

/// valyala/fasttemplate as Argo CD drives it: `{{ key }}` (spaces trimmed) becomes the
/// parameter's value when the parameter is a string; anything else is left as written.
enum FastTemplate {
    static func render(_ s: String, _ parameters: ValueObject) -> String {
        var out = ""
        var rest = Substring(s)
        while let open = rest.firstRange(of: "{{") {
            out += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.firstRange(of: "}}") else {
                out += rest[open.lowerBound...]
                return out
            }
            let tag = afterOpen[..<close.lowerBound]
            let key = TemplateFunctions.trim(String(tag)) { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
            if !key.isEmpty, case .string(let replacement)? = parameters[key] {
                out += replacement
            } else {
                out += "{{" + tag + "}}"
            }
            rest = afterOpen[close.upperBound...]
        }
        out += rest
        return out
    }
}
