/// Go's notion of an empty value, which `text/template` calls false and mergo and Sprig's
/// `empty` skip: nil, false, 0, and empty strings, lists and maps.
extension Value {
    public var isGoEmpty: Bool {
        switch self {
        case .null: return true
        case .bool(let b): return !b
        case .int(let i): return i == 0
        case .double(let d): return d == 0
        case .string(let s): return s.isEmpty
        case .array(let a): return a.isEmpty
        case .object(let o): return o.isEmpty
        }
    }
}

/// mergo's `Merge` on decoded maps, which Argo CD uses to combine parameters (matrix: without
/// override; merge generator: with), Sprig for `merge`/`mergeOverwrite`, and kustomize for a
/// chart's `valuesInline`: nested maps merge; otherwise a destination value stays unless it is
/// empty, or, with `override`, the source value is not empty.
public enum Mergo {
    public static func merge(_ destination: ValueObject, _ source: ValueObject, override: Bool) -> ValueObject {
        var out = destination
        for (key, value) in source {
            if case .object(let d)? = out[key], case .object(let s) = value {
                out[key] = .object(merge(d, s, override: override))
            } else if let existing = out[key], !existing.isGoEmpty {
                if override && !value.isGoEmpty { out[key] = value }
            } else {
                out[key] = value
            }
        }
        return out
    }
}
