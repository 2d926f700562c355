import FleetModel
import FleetTemplate

/// The functions an ApplicationSet's `goTemplate` can call: the engine's (Go built-ins and
/// Sprig, as Argo CD's function map has them) plus Argo CD's own `normalize` and `slugify`.
enum ArgoTemplateFunctions {
    static let table: [String: TemplateFunction] = {
        var t = TemplateFunctions.table
        t["normalize"] = { a in
            guard a.count == 1, case .string(let name) = a[0] else { throw TemplateError("normalize needs one string") }
            return .string(ArgoNames.sanitize(name))
        }
        t["slugify"] = { a in
            guard case .string(let name)? = a.last else { throw TemplateError("slugify needs a name") }
            var maxSize = 50
            var smartTruncate = true
            if a.count > 1 { guard let n = a[0].asInt else { throw TemplateError("slugify: the size must be an int") }; maxSize = n }
            if a.count > 2 { guard case .bool(let b) = a[1] else { throw TemplateError("slugify: smartTruncate must be a bool") }; smartTruncate = b }
            return .string(ArgoNames.slugify(name, maxSize: maxSize, smartTruncate: smartTruncate))
        }
        return t
    }()
}
