import FleetModel
import FleetYAML

/// Where a build's transformers write and how its patches merge: `configurations:` and `crds:`
/// field specs, and the `openapi:` schema.
extension KustomizeBuilder {
    func chooseSchema(_ kustomization: Kustomization, directory: String) throws(RenderError) {
        guard !schemaChosen, let field = kustomization.openapi else { return }
        schemaChosen = true
        switch field {
        case .version:
            customSchema = nil
        case .path(let path):
            let bytes = try readFileInside(path, directory: directory, origin: kustomization.displayPath, line: kustomization.document.line(of: JSONPointer(tokens: ["openapi"])))
            let display = tree.displayPath(try resolve(path, from: directory, origin: kustomization.displayPath, line: nil))
            let document = try parseYAML(bytes, display: display, YAMLParseOptions(maxBytes: options.maxFileBytes)).first?.value ?? .null
            customSchema = OpenAPIPatchSchemas(document: document, extendsBuiltin: kustomization.isComponent)
        }
    }

    /// The defaults merged with a kustomization's `configurations:` (kustomize's
    /// `MakeTransformerConfig`): the files, merged together before they are merged into the
    /// defaults. Files must lie in or below the kustomization's directory, as every file
    /// kustomize's loader reads. (Inline configurations came after kubectl v1.32's kustomize.)
    func transformerConfig(of kustomization: Kustomization, directory: String) throws(RenderError) -> TransformerConfig {
        guard !kustomization.configurations.isEmpty else { return .default }
        let origin = kustomization.displayPath
        func merge(_ a: TransformerConfig, _ b: TransformerConfig, file: String, line: Int?) throws(RenderError) -> TransformerConfig {
            do { return try a.merging(b) } catch { throw RenderError(.invalidKustomization, file: file, line: line, error.message) }
        }
        var files = TransformerConfig.empty
        for (entry, line) in kustomization.configurations {
            let bytes = try readFileInside(entry, directory: directory, origin: origin, line: line)
            let display = tree.displayPath(try resolve(entry, from: directory, origin: origin, line: line))
            files = try merge(files, try parseTransformerConfig(bytes, path: entry, display: display), file: display, line: nil)
        }
        return try merge(.default, files, file: origin, line: nil)
    }

    /// The field specs of a kustomization's `crds:` files (kustomize's LoadConfigFromCRDs).
    func crdConfig(of kustomization: Kustomization, directory: String) throws(RenderError) -> TransformerConfig {
        let origin = kustomization.displayPath
        var config = TransformerConfig.empty
        for (path, line) in kustomization.crds {
            let bytes = try readFileInside(path, directory: directory, origin: origin, line: line)
            let display = tree.displayPath(try resolve(path, from: directory, origin: origin, line: line))
            let document = try parseYAML(bytes, display: display, YAMLParseOptions(maxBytes: options.maxFileBytes)).first?.value ?? .null
            do {
                config = try config.merging(try CRDFieldSpecs.config(from: document))
            } catch {
                throw RenderError(.invalidKustomization, file: display, error.message)
            }
        }
        return config
    }

    /// One configuration: its first YAML document (as sigs.k8s.io/yaml reads it), sorted.
    func parseTransformerConfig(_ bytes: [UInt8], path: String, display: String) throws(RenderError) -> TransformerConfig {
        guard let document = try parseYAML(bytes, display: display, kustomizationYAML).first else { return .empty }
        var config = try KustomizationDecoder.decodeTransformerConfig(document, path: path, displayPath: display)
        config.sort()
        return config
    }
}
