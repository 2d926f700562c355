import FleetModel
import FleetTemplate
import FleetYAML
import OrderedCollections

/// The generators: each turns its spec into parameter sets with Argo CD's parameter names
/// (list, clusters, git directories and files, matrix, merge).
extension ApplicationSetGenerator {
    func listParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        var elements: [Value] = body["elements"]?.arrayValue ?? []
        if let yamlText = body["elementsYaml"]?.stringValue, !yamlText.isEmpty {
            let parsed: Value
            do { parsed = try YAML.parse(yamlText, source: "\(path).elementsYaml") } catch {
                throw GenerationFailure(message: "\(path).elementsYaml: \(error)")
            }
            guard case .array(let more) = parsed else {
                throw GenerationFailure(message: "\(path).elementsYaml must be a YAML list of maps")
            }
            elements += more
        }
        var out: [ValueObject] = []
        for (index, element) in elements.enumerated() {
            guard case .object(let object) = element else {
                throw GenerationFailure(message: "\(path).elements[\(index)] must be a map")
            }
            if context.goTemplate { out.append(object); continue }
            var parameters = ValueObject()
            for (key, value) in object {
                if key == "values" {
                    guard case .object(let values) = value else {
                        throw GenerationFailure(message: "\(path).elements[\(index)].values must be a map of strings")
                    }
                    for (k, v) in values {
                        guard case .string(let s) = v else {
                            throw GenerationFailure(message: "\(path).elements[\(index)].values.\(k) must be a string (fasttemplate parameters are strings; quote it, or use goTemplate)")
                        }
                        parameters["values.\(k)"] = .string(s)
                    }
                } else {
                    guard case .string(let s) = value else {
                        throw GenerationFailure(message: "\(path).elements[\(index)].\(key) must be a string (fasttemplate parameters are strings; quote it, or use goTemplate)")
                    }
                    parameters[key] = .string(s)
                }
            }
            out.append(parameters)
        }
        return out
    }

    func clusterParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        var selector = LabelSelector()
        if let selectorValue = body["selector"], !selectorValue.isNull {
            do { selector = try LabelSelector(structured: selectorValue) } catch {
                throw GenerationFailure(message: "\(path).selector: \(error)")
            }
        }
        let values = try stringValues(body["values"], path: "\(path).values")
        var out: [ValueObject] = []
        for cluster in clusters {
            let labels = cluster.secretLabels
            guard selector.matches(labels.mapValues { $0.stringValue ?? "" }.reduce(into: [:]) { $0[$1.key] = $1.value }) else { continue }
            var parameters: ValueObject = [
                "name": .string(cluster.argoCDName),
                "nameNormalized": .string(ArgoNames.sanitize(cluster.argoCDName)),
                "server": .string(cluster.server),
                "project": .string(cluster.project),
            ]
            if context.goTemplate {
                var metadata = ValueObject()
                if !cluster.annotations.isEmpty { metadata["annotations"] = .object(cluster.annotations) }
                if !labels.isEmpty { metadata["labels"] = .object(labels) }
                parameters["metadata"] = .object(metadata)
            } else {
                for (key, value) in cluster.annotations { parameters["metadata.annotations.\(key)"] = value }
                for (key, value) in labels { parameters["metadata.labels.\(key)"] = value }
            }
            try appendValues(values, to: &parameters, context: context, path: path)
            out.append(parameters)
        }
        return out
    }

    func stringValues(_ value: Value?, path: String) throws -> [(String, String)] {
        guard let value, !value.isNull else { return [] }
        guard case .object(let object) = value else { throw GenerationFailure(message: "\(path) must be a map of strings") }
        return try object.map { key, member in
            guard let text = member.scalarText else { throw GenerationFailure(message: "\(path).\(key) must be a string") }
            return (key, text)
        }
    }

    /// `values` entries, each templated with the generator's other parameters (never with
    /// other values), as `values.<key>` (fasttemplate) or a nested `values` map (goTemplate).
    func appendValues(_ values: [(String, String)], to parameters: inout ValueObject, context: GenerationContext, path: String) throws {
        guard !values.isEmpty else { return }
        var nested = ValueObject()
        let data = context.goTemplate ? goNumberParameters(parameters) : parameters
        for (key, template) in values {
            let rendered: String
            do { rendered = try context.renderer.renderString(template, .object(data), data) } catch {
                throw GenerationFailure(message: "\(path).values.\(key): \(error.message)")
            }
            if context.goTemplate { nested[key] = .string(rendered) } else { parameters["values.\(key)"] = .string(rendered) }
        }
        if context.goTemplate { parameters["values"] = .object(nested) }
    }

    func gitParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        guard let repoURL = body["repoURL"]?.stringValue, !repoURL.isEmpty else {
            throw GenerationFailure(message: "\(path).repoURL is required")
        }
        let revision = body["revision"]?.stringValue ?? "HEAD"
        let prefix = body["pathParamPrefix"]?.stringValue ?? ""
        let values = try stringValues(body["values"], path: "\(path).values")
        let directories = body["directories"]?.arrayValue ?? []
        let files = body["files"]?.arrayValue ?? []
        guard !directories.isEmpty || !files.isEmpty else {
            throw GenerationFailure(message: "\(path) needs directories or files")
        }
        let snapshot: RepositorySnapshot
        do { snapshot = try repositories.snapshot(repoURL: repoURL, revision: revision.isEmpty ? "HEAD" : revision) } catch {
            throw GenerationFailure(message: "\(path): reading \(repoURL) at \(revision.isEmpty ? "HEAD" : revision): \(error)")
        }
        usedRepositories.insert(RepositoryRead(repoURL: repoURL, revision: revision.isEmpty ? "HEAD" : revision, commit: snapshot.commit))
        let listing = try RepositoryListing(tree: snapshot.tree)
        var out: [ValueObject] = []
        if !directories.isEmpty {
            var rules: [(GoGlob, Bool)] = []
            for (index, item) in directories.enumerated() {
                guard let pattern = item["path"]?.stringValue else { throw GenerationFailure(message: "\(path).directories[\(index)].path is required") }
                rules.append((GoGlob(pattern, doubleStar: false), item["exclude"]?.boolValue ?? false))
            }
            for directory in listing.directories {
                var included = false, excluded = false
                for (glob, exclude) in rules where glob.matches(directory) {
                    if exclude { excluded = true } else { included = true }
                }
                guard included && !excluded else { continue }
                var parameters = ValueObject()
                addPathParameters(directory, file: nil, prefix: prefix, goTemplate: context.goTemplate, to: &parameters)
                try appendValues(values, to: &parameters, context: context, path: path)
                out.append(parameters)
            }
            return out
        }
        var includes: [GoGlob] = []
        var excludes: [GoGlob] = []
        for (index, item) in files.enumerated() {
            guard let pattern = item["path"]?.stringValue else { throw GenerationFailure(message: "\(path).files[\(index)].path is required") }
            if item["exclude"]?.boolValue ?? false { excludes.append(GoGlob(pattern, doubleStar: true)) } else { includes.append(GoGlob(pattern, doubleStar: true)) }
        }
        let selected = listing.files.filter { file in
            includes.contains { $0.matches(file) } && !excludes.contains { $0.matches(file) }
        }.sorted()
        for file in selected {
            let bytes: [UInt8]
            do { bytes = try snapshot.tree.readFile(file) } catch {
                throw GenerationFailure(message: "\(path): unable to read '\(file)': \(error)")
            }
            for object in try Self.parameterObjects(bytes, file: file, path: path) {
                var parameters = ValueObject()
                if context.goTemplate {
                    parameters = object
                } else {
                    Self.flatten(.object(object), prefix: "", into: &parameters)
                }
                addPathParameters(TreePath.directory(of: file), file: file, prefix: prefix, goTemplate: context.goTemplate, to: &parameters)
                try appendValues(values, to: &parameters, context: context, path: path)
                out.append(parameters)
            }
        }
        return out
    }

    /// A git generator file's parameter sets: a mapping, or a list of mappings (an empty
    /// file is one empty set), as Argo CD reads them.
    static func parameterObjects(_ bytes: [UInt8], file: String, path: String) throws -> [ValueObject] {
        let parsed: Value
        do { parsed = try YAML.parse(bytes, source: file) } catch {
            throw GenerationFailure(message: "\(path): unable to process file '\(file)': \(error)")
        }
        switch parsed {
        case .object(let o): return [o]
        case .null: return [[:]]
        case .array(let a):
            return try a.enumerated().map { index, element in
                guard case .object(let o) = element else {
                    throw GenerationFailure(message: "\(path): unable to process file '\(file)': entry \(index) is not a map")
                }
                return o
            }
        default:
            throw GenerationFailure(message: "\(path): unable to process file '\(file)': expected a map or a list of maps")
        }
    }

    /// The `path` parameters of the git generator, flat (`path.basename`, `path[0]`) or nested
    /// (`.path.basename`, `.path.segments`).
    func addPathParameters(_ directory: String, file: String?, prefix: String, goTemplate: Bool, to parameters: inout ValueObject) {
        let dir = directory.isEmpty ? "." : directory
        let basename = dir == "." ? "." : TreePath.basename(of: dir)
        if goTemplate {
            var nested: ValueObject = ["path": .string(dir), "basename": .string(basename)]
            if let file {
                nested["filename"] = .string(TreePath.basename(of: file))
            }
            nested["basenameNormalized"] = .string(ArgoNames.sanitize(basename))
            if let file { nested["filenameNormalized"] = .string(ArgoNames.sanitize(TreePath.basename(of: file))) }
            nested["segments"] = .array(dir.split(separator: "/", omittingEmptySubsequences: false).map { .string(String($0)) })
            if prefix.isEmpty { parameters["path"] = .object(nested) } else { parameters[prefix] = .object(["path": .object(nested)]) }
            return
        }
        let name = prefix.isEmpty ? "path" : "\(prefix).path"
        parameters[name] = .string(dir)
        parameters["\(name).basename"] = .string(basename)
        if let file { parameters["\(name).filename"] = .string(TreePath.basename(of: file)) }
        parameters["\(name).basenameNormalized"] = .string(ArgoNames.sanitize(basename))
        if let file { parameters["\(name).filenameNormalized"] = .string(ArgoNames.sanitize(TreePath.basename(of: file))) }
        for (index, segment) in dir.split(separator: "/", omittingEmptySubsequences: false).enumerated() where !segment.isEmpty {
            parameters["\(name)[\(index)]"] = .string(String(segment))
        }
    }

    /// jeremywohl/flatten in dot style, each leaf printed with `%v` (so `3` is "3", `true` is
    /// "true" and null is "<nil>").
    static func flatten(_ value: Value, prefix: String, into out: inout ValueObject) {
        switch value {
        case .object(let o) where !o.isEmpty:
            for (key, member) in o { flatten(member, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &out) }
        case .array(let a) where !a.isEmpty:
            for (index, member) in a.enumerated() { flatten(member, prefix: prefix.isEmpty ? "\(index)" : "\(prefix).\(index)", into: &out) }
        default:
            out[prefix] = .string(goFormat(goNumbers(value)))
        }
    }

    func matrixParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        guard let children = body["generators"]?.arrayValue, children.count >= 2 else {
            throw GenerationFailure(message: "\(path): found less than two generators, Matrix support only two")
        }
        guard children.count == 2 else {
            throw GenerationFailure(message: "\(path): found more than two generators, Matrix support only two")
        }
        let first = try childParameters(children[0], context: context, inherited: [:], path: "\(path).generators[0]")
        var out: [ValueObject] = []
        for previous in first {
            let second = try childParameters(children[1], context: context, inherited: previous, path: "\(path).generators[1]")
            guard out.count + second.count <= Self.maxParameterSets else {
                throw GenerationFailure(message: "\(path) produces more than \(Self.maxParameterSets) parameter sets")
            }
            for current in second {
                if context.goTemplate {
                    out.append(Mergo.merge(previous, current, override: false))
                } else {
                    var combined = previous
                    for (key, value) in current {
                        if let existing = combined[key], existing != value {
                            throw GenerationFailure(message: "\(path): found duplicate key \(key) with different value, a: \(goFormat(existing)) ,b: \(goFormat(value))")
                        }
                        combined[key] = value
                    }
                    out.append(combined)
                }
            }
        }
        return out
    }

    func childParameters(_ child: Value, context: GenerationContext, inherited: ValueObject, path: String) throws -> [ValueObject] {
        // Selectors of nested children always apply, as since Argo CD 3.0 (which ignores
        // spec.applyNestedSelectors).
        let results = try transform(child, baseTemplate: .object([:]), context: context, inherited: inherited, path: path)
        return results.first?.parameterSets ?? []
    }

    func mergeParameters(_ body: ValueObject, context: GenerationContext, path: String) throws -> [ValueObject] {
        guard let children = body["generators"]?.arrayValue, children.count >= 2 else {
            throw GenerationFailure(message: "\(path): found less than two generators, Merge requires two or more")
        }
        let mergeKeys = (body["mergeKeys"]?.arrayValue ?? []).compactMap(\.stringValue)
        guard !mergeKeys.isEmpty else {
            throw GenerationFailure(message: "\(path): no merge keys were specified, Merge requires at least one")
        }
        let uniqueKeys = Array(Set(mergeKeys)).sorted()
        func key(of parameters: ValueObject) -> String {
            // Argo CD reads each merge key as a top-level parameter (`paramSet[mergeKey]`), with
            // goTemplate too: a dotted key does not reach into nested parameters.
            JSON.encode(.object(ValueObject(uniqueKeysWithValues: uniqueKeys.map { ($0, parameters[$0] ?? .null) })), options: [.sortedKeys])
        }
        func unique(_ sets: [ValueObject], _ index: Int) throws -> [String: ValueObject] {
            var byKey: [String: ValueObject] = [:]
            for parameters in sets {
                let k = key(of: parameters)
                if byKey[k] != nil {
                    throw GenerationFailure(message: "\(path).generators[\(index)]: the parameters from a generator were not unique by the given mergeKeys, Merge requires all param sets to be unique. Duplicate key was \(k)")
                }
                byKey[k] = parameters
            }
            return byKey
        }
        var base = try childParameters(children[0], context: context, inherited: [:], path: "\(path).generators[0]")
        _ = try unique(base, 0)  // the base generator's sets must be unique too, as Argo CD checks them
        for (offset, child) in children.dropFirst().enumerated() {
            let overrides = try childParameters(child, context: context, inherited: [:], path: "\(path).generators[\(offset + 1)]")
            let byKey = try unique(overrides, offset + 1)
            base = base.map { parameters in
                guard let override = byKey[key(of: parameters)] else { return parameters }
                if context.goTemplate { return Mergo.merge(parameters, override, override: true) }
                var combined = parameters
                for (k, v) in override { combined[k] = v }
                return combined
            }
        }
        return base
    }}
