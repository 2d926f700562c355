import FleetModel

/// Helm's ProcessDependencies and values: subcharts renamed by alias, left out by `tags` and
/// `condition`, values imported from children and coalesced down the tree, then checked
/// against each chart's schema.
extension HelmRenderer {
    /// Subcharts renamed by their dependency's `alias` (a copy per alias), recursively.
    static func applyingAliases(_ chart: HelmChart) -> HelmChart {
        var out = chart
        var subcharts: [HelmChart] = []
        var aliasedNames = Set<String>()
        for dependency in chart.declaredDependencies {
            guard let name = dependency["name"]?.stringValue, let alias = dependency["alias"]?.stringValue, !alias.isEmpty,
                  var sub = chart.subcharts.first(where: { $0.name == name }) else { continue }
            sub.name = alias
            sub.metadata["name"] = .string(alias)
            subcharts.append(sub)
            aliasedNames.insert(name)
        }
        let unaliased = chart.subcharts.filter { sub in
            !aliasedNames.contains(sub.name) || chart.declaredDependencies.contains { $0["name"]?.stringValue == sub.name && ($0["alias"]?.stringValue ?? "").isEmpty }
        }
        out.subcharts = (unaliased + subcharts).map(applyingAliases)
        return out
    }

    /// The chart without the subcharts its dependencies' `tags` and `condition`s disable.
    static func enabled(_ chart: HelmChart, values: ValueObject, path: [String]) -> HelmChart {
        var out = chart
        var disabled = Set<String>()
        let tags = values["tags"]?.objectValue
        for dependency in chart.declaredDependencies {
            guard let name = (dependency["alias"]?.stringValue).flatMap({ $0.isEmpty ? nil : $0 }) ?? dependency["name"]?.stringValue else { continue }
            var enabled = true
            if let tags, let names = dependency["tags"]?.arrayValue {
                var hasTrue = false, hasFalse = false
                for tag in names {
                    if case .bool(let b)? = tag.stringValue.flatMap({ tags[$0] }) { if b { hasTrue = true } else { hasFalse = true } }
                }
                if !hasTrue && hasFalse { enabled = false }
            }
            let conditions = (dependency["condition"]?.stringValue ?? "").split(separator: ",")
            for condition in conditions {
                let keys = path + String(condition).trimmingWhitespace().split(separator: ".").map(String.init)
                var node: Value = .object(values)
                for key in keys { node = node[key] ?? .null }
                if case .bool(let b) = node { enabled = b; break }
            }
            if !enabled { disabled.insert(name) }
        }
        out.subcharts = chart.subcharts.filter { !disabled.contains($0.name) }
            .map { enabled($0, values: values, path: path + [$0.name]) }
        return out
    }

    /// Helm's ValidateAgainstSchema: each chart's schema applied to its part of the values.
    static func schemaViolations(_ chart: HelmChart, values: ValueObject, path: String) throws(HelmError) -> String {
        var report = ""
        if let bytes = chart.schema {
            let violations = try HelmSchema(bytes: bytes, file: path + "/values.schema.json").violations(of: .object(values))
            if !violations.isEmpty { report += "\(chart.name):\n" + violations.map { "- \($0)\n" }.joined() }
        }
        for sub in chart.subcharts {
            report += try schemaViolations(sub, values: values[sub.name]?.objectValue ?? [:], path: path + "/charts/" + sub.name)
        }
        return report
    }

    /// Helm's processDependencyImportValues, bottom-up: each dependency's `import-values`
    /// (`{child: a.b, parent: x.y}`, or a name under the child's `exports`) copied into the
    /// parent's values, under the parent's own values (a parent overrides what it imports).
    static func importingValues(_ chart: HelmChart) throws(HelmError) -> HelmChart {
        var out = chart
        var subcharts: [HelmChart] = []
        for sub in chart.subcharts { subcharts.append(try importingValues(sub)) }
        out.subcharts = subcharts
        let imports = chart.declaredDependencies.filter { !($0["import-values"]?.arrayValue ?? []).isEmpty }
        guard !imports.isEmpty else { return out }
        let combined = try coalesceTree(out, user: [:])
        var imported: ValueObject = [:]
        for dependency in imports {
            let name = (dependency["alias"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 } ?? dependency["name"]?.stringValue ?? ""
            for entry in dependency["import-values"]?.arrayValue ?? [] {
                let child: String, parent: String
                if case .string(let exported) = entry {
                    child = "exports." + exported; parent = "."
                } else if let c = entry["child"]?.stringValue, let p = entry["parent"]?.stringValue {
                    child = c; parent = p
                } else {
                    continue
                }
                var node: Value = .object(combined)
                for key in ([name] + child.split(separator: ".").map(String.init)) { node = node[key] ?? .null }
                // Helm logs a missing table and goes on.
                guard case .object(var table) = node else { continue }
                if parent != "." {
                    for key in parent.split(separator: ".").reversed() { table = [String(key): .object(table)] }
                }
                imported = HelmValues.mergeTables(imported, table)
            }
        }
        out.values = HelmValues.mergeTables(combined, imported)
        return out
    }

    /// Helm's CoalesceValues over the chart tree: the user's values over each chart's, globals
    /// handed down (a parent's win), each subchart's under its name.
    static func coalesceTree(_ chart: HelmChart, user: ValueObject) throws(HelmError) -> ValueObject {
        var values = HelmValues.coalesce(chart: chart.values, user: user)
        for sub in chart.subcharts {
            var subValues: ValueObject
            switch values[sub.name] {
            case nil, .null?: subValues = [:]
            case .object(let table)?: subValues = table
            case let other?: throw HelmError("type mismatch on \(sub.name): \(other)")
            }
            var globals = subValues["global"]?.objectValue ?? [:]
            for (key, value) in values["global"]?.objectValue ?? [:] {
                if case .object(let table) = value, case .object(let existing)? = globals[key] {
                    globals[key] = .object(HelmValues.coalesce(chart: existing, user: table))
                } else {
                    globals[key] = value
                }
            }
            subValues["global"] = .object(globals)
            values[sub.name] = .object(try coalesceTree(sub, user: subValues))
        }
        return values
    }
}
