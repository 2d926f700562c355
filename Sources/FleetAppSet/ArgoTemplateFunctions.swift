import FleetModel
import FleetTemplate

/// The functions an ApplicationSet's `goTemplate` can call, as Argo CD's
/// `applicationset/utils` registers them: Go's built-ins and `sprig.GenericFuncMap()` less
/// `env`, `expandenv` and `getHostByName` (undefined, as there), plus `normalize`, `slugify`,
/// `toYaml`, `fromYaml` and `fromYamlArray`. Helm's additions (`required`, `include`, `tpl`,
/// `toToml`, `lookup`) are not in Argo CD's map and are undefined here too. Sprig functions whose
/// result changes from one render to the next (the clock, randomness, new keys and
/// certificates) are defined but fail with a message saying why: a generated Application must
/// be the same every time a commit is rendered, or it would be rewritten on every pass.
enum ArgoTemplateFunctions {
    /// Sprig functions an ApplicationSet may name but not run, and why.
    static let refused: [String: String] = {
        var out: [String: String] = [:]
        for name in ["now", "ago", "uuidv4", "randAlpha", "randAlphaNum", "randNumeric", "randAscii", "randBytes", "randInt", "randSeededNumeric", "shuffle"] {
            out[name] = "its result changes from one render to the next"
        }
        for name in ["bcrypt", "htpasswd", "genPrivateKey", "genCA", "genCAWithKey", "genSelfSignedCert", "genSelfSignedCertWithKey", "genSignedCert", "genSignedCertWithKey", "encryptAES"] {
            out[name] = "it makes new keys or salts on every render"
        }
        for name in ["buildCustomCert", "decryptAES"] {
            out[name] = "certificates and keys do not belong in an Application; keep them in a Secret"
        }
        return out
    }()

    static let table: [String: TemplateFunction] = {
        var t = TemplateFunctions.table.merging(SprigTime.functions()) { $1 }
        for name in ["env", "expandenv", "getHostByName", "required"] { t[name] = nil }
        for (name, reason) in refused {
            t[name] = { _ in throw TemplateError("\(name) is not available in ApplicationSet templates: \(reason)") }
        }
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
