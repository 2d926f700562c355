import FleetModel
import FleetYAML

/// The Kubernetes objects in the documents of a manifest file: empty documents skipped,
/// `List` kinds (`kind: List`, `ConfigMapList`...) expanded into their items, and every object
/// checked for a kind and a name.
enum ManifestObjects {
    static func objects(in documents: [YAMLDocument], display: String, requireName: Bool) throws(RenderError) -> [Value] {
        var objects: [Value] = []
        for document in documents where !document.value.isNull {
            try append(document.value, line: document.line, display: display, requireName: requireName, into: &objects)
        }
        return objects
    }

    private static func append(_ value: Value, line: Int, display: String, requireName: Bool, into objects: inout [Value]) throws(RenderError) {
        guard case .object = value else {
            throw RenderError(.invalidResource, file: display, line: line, "expected a Kubernetes object (a mapping), found a \(value.typeName)")
        }
        let kind = value["kind"]?.stringValue ?? ""
        if kind.hasSuffix("List"), case .array(let items)? = value["items"] {
            for item in items { try append(item, line: line, display: display, requireName: requireName, into: &objects) }
            return
        }
        guard !kind.isEmpty else {
            throw RenderError(.invalidResource, file: display, line: line, "missing kind in object \(brief(value))")
        }
        let name = value[path: "metadata", "name"]?.stringValue ?? ""
        let generateName = value[path: "metadata", "generateName"]?.stringValue ?? ""
        if name.isEmpty && (requireName || generateName.isEmpty) {
            throw RenderError(.invalidResource, file: display, line: line, "missing metadata.name in object \(brief(value))")
        }
        objects.append(value)
    }

    private static func brief(_ value: Value) -> String {
        let text = value.description
        return text.count > 120 ? String(text.prefix(117)) + "..." : text
    }
}
