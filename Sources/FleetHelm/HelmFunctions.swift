import FleetModel
import FleetTemplate

/// The functions Helm gives chart templates beyond the engine's Go built-ins and Sprig:
/// `lookup` (which `helm template` answers with an empty map, having no cluster), and Helm's
/// JSON and YAML readers, which report a parse failure in their result instead of failing the
/// render.
/// `include` and `tpl` come with `TemplateSet` execution.
public enum HelmFunctions {
    public static let table: [String: TemplateFunction] = {
        var t = TemplateFunctions.table.merging(TemplateFunctions.randomFunctions) { $1 }.merging(HelmCertificates.functions()) { $1 }.merging(SprigTime.functions()) { $1 }
        // Helm's mustToYaml: toYaml that fails instead of printing nothing (a Value always encodes).
        if let toYaml = t["toYaml"] { t["mustToYaml"] = toYaml }
        t["toToml"] = { a in
            guard a.count == 1 else { throw TemplateError("wrong number of args for toToml: want 1 got \(a.count)") }
            return .string(HelmToml.encode(a[0]))
        }
        t["lookup"] = { a in
            guard a.count == 4 else { throw TemplateError("wrong number of args for lookup: want 4 got \(a.count)") }
            return .emptyObject
        }
        t["fromJson"] = { a in
            guard a.count == 1 else { throw TemplateError("wrong number of args for fromJson: want 1 got \(a.count)") }
            guard case .string(let text) = a[0] else { return ["Error": .string("json: cannot unmarshal \(a[0].typeName) into Go value of type map[string]interface {}")] }
            do {
                let parsed = try JSON.parse(text)
                guard case .object = parsed else {
                    return ["Error": .string("json: cannot unmarshal \(parsed.typeName) into Go value of type map[string]interface {}")]
                }
                return parsed
            } catch {
                return ["Error": .string("\(error)")]
            }
        }
        t["fromJsonArray"] = { a in
            guard a.count == 1 else { throw TemplateError("wrong number of args for fromJsonArray: want 1 got \(a.count)") }
            guard case .string(let text) = a[0] else { return [.string("json: cannot unmarshal \(a[0].typeName) into Go value of type []interface {}")] }
            do {
                let parsed = try JSON.parse(text)
                guard case .array = parsed else {
                    return [.string("json: cannot unmarshal \(parsed.typeName) into Go value of type []interface {}")]
                }
                return parsed
            } catch {
                return [.string("\(error)")]
            }
        }
        // fromYaml and fromYamlArray as Helm has them: a parse failure is reported in the result.
        if let fromYaml = t["fromYaml"] {
            t["fromYaml"] = { a in
                do { return try fromYaml(a) } catch { return ["Error": .string(Self.message(error))] }
            }
        }
        if let fromYamlArray = t["fromYamlArray"] {
            t["fromYamlArray"] = { a in
                do { return try fromYamlArray(a) } catch { return [.string(Self.message(error))] }
            }
        }
        return t
    }()

    private static func message(_ error: any Error) -> String {
        (error as? TemplateError)?.message ?? "\(error)"
    }
}
