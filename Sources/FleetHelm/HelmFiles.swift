import FleetModel
import FleetTemplate

/// `.Files`: a chart's non-template files, with Helm's methods (`Get`, `GetBytes`, `Glob`,
/// `Lines`, `AsConfig`, `AsSecrets`).
enum HelmFiles {
    /// The files by path (so `range $path, $content := .Files.Glob "..."` sees them), tagged as
    /// a `Files` receiver.
    static func object(_ files: [(path: String, bytes: [UInt8])]) -> Value {
        var contents: ValueObject = [TemplateMethods.typeKey: "Files"]
        for (path, bytes) in files { contents[path] = .string(String(decoding: bytes, as: UTF8.self)) }
        return .object(contents)
    }

    private static func contents(_ receiver: Value) -> ValueObject {
        (receiver.objectValue ?? [:]).filter { $0.key != TemplateMethods.typeKey }
    }

    private static func name(_ arguments: [Value], _ method: String) throws -> String {
        guard arguments.count == 1, case .string(let name) = arguments[0] else {
            throw TemplateError("wrong number of args for \(method): want 1 got \(arguments.count)")
        }
        return name
    }

    /// A map of file base names to contents, as Helm's `AsConfig`/`AsSecrets` write it (YAML).
    private static func asYAML(_ receiver: Value, _ transform: (String) -> String) throws -> Value {
        var map = ValueObject()
        for (path, content) in contents(receiver) {
            let base = String(path.split(separator: "/").last ?? "")
            map[base] = .string(transform(content.stringValue ?? ""))
        }
        guard !map.isEmpty, let toYaml = TemplateFunctions.table["toYaml"] else { return "" }
        return try toYaml([.object(map)])
    }

    static let methods: [String: TemplateMethod] = [
        "Files.Get": { receiver, arguments in contents(receiver)[try name(arguments, "Get")] ?? "" },
        "Files.GetBytes": { receiver, arguments in contents(receiver)[try name(arguments, "GetBytes")] ?? "" },
        "Files.Lines": { receiver, arguments in
            guard case .string(var text)? = contents(receiver)[try name(arguments, "Lines")] else { return .array([]) }
            // Helm drops one final newline before splitting.
            if text.hasSuffix("\n") { text.removeLast() }
            return .array(text.split(separator: "\n", omittingEmptySubsequences: false).map { .string(String($0)) })
        },
        "Files.Glob": { receiver, arguments in
            let pattern = try name(arguments, "Glob")
            let glob = Self.glob(pattern)
            var matched: ValueObject = [TemplateMethods.typeKey: "Files"]
            for (path, content) in contents(receiver) where glob.matches(path) { matched[path] = content }
            return .object(matched)
        },
        "Files.AsConfig": { receiver, _ in try asYAML(receiver) { $0 } },
        "Files.AsSecrets": { receiver, _ in try asYAML(receiver) { Base64.encode(Array($0.utf8)) } },
    ]

    /// gobwas/glob with `/` separators as Helm uses it: `*` within a path segment, `**` across.
    static func glob(_ pattern: String) -> GlobPattern {
        var tokens: [GlobPattern.Token] = []
        let characters = Array(pattern)
        var i = 0
        while i < characters.count {
            let c = characters[i]
            if c == "*", i + 1 < characters.count, characters[i + 1] == "*" {
                tokens.append(.anyRun(crossesSlash: true))
                i += 2
                continue
            }
            switch c {
            case "*": tokens.append(.anyRun(crossesSlash: false))
            case "?": tokens.append(.anyCharacter(crossesSlash: false))
            default: tokens.append(.literal(c))
            }
            i += 1
        }
        return GlobPattern(tokens: tokens)
    }
}
