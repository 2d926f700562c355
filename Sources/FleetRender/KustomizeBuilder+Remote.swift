import FleetModel
import FleetYAML

/// Remote bases, components and files, fetched through the injected `RemoteResolver`.
extension KustomizeBuilder {
    /// A remote reference in `resources:` or `components:`. A Git base is built from its
    /// repository's tree at the ref, with kustomize's rules inside that tree (files stay in or
    /// below each kustomization; nothing leaves the repository); a file URL is read as a
    /// resource file.
    func accumulateRemote(_ remote: RemoteReference, written: String, asComponent: Bool, origin: String, line: Int,
                          into collection: inout ResourceCollection) throws(RenderError) {
        guard let resolver = options.remote else {
            throw RenderError(.unsupported, file: origin, line: line,
                              "remote \(asComponent ? "component" : "resource") \"\(written)\": fetching remote bases is not enabled for this render (fleet build fetches them unless --offline; the hub uses its repositories' credentials)")
        }
        remoteReferences.insert(remote.description)
        switch remote {
        case .file(let url):
            guard !asComponent else {
                throw RenderError(.invalidKustomization, file: origin, line: line, "component \"\(written)\" must be a directory with a kustomization, not a file URL")
            }
            let bytes: [UInt8]
            do {
                bytes = try resolver.file(url: url)
            } catch {
                throw RenderError(.remote, file: origin, line: line, "cannot fetch \(url): \(error)")
            }
            let documents = try parseYAML(bytes, display: url, resourceYAML)
            for object in try ManifestObjects.objects(in: documents, display: url, requireName: true) {
                var resource = KustomizeResource(object: object, source: url)
                if recordsOrigins { resource.origin = .file(url) }
                try collection.append(resource)
            }
        case .git(let repository, let path, let ref):
            let remoteTree: FileTree
            do {
                remoteTree = try resolver.tree(repository: repository, ref: ref)
            } catch let error as RenderError {
                throw error
            } catch {
                throw RenderError(.remote, file: origin, line: line, "cannot fetch \(remote.description): \(error)")
            }
            let key = repository + "@" + ref
            if chainMembers(containsTree: key, path: path) {
                throw RenderError(.cycle, file: origin, line: line, "cycle detected: \(remote.description) includes itself")
            }
            try withTree(remoteTree, key: key) { () throws(RenderError) in
                guard let normalized = TreePath.normalize(path) else {
                    throw RenderError(.outsideRoot, file: origin, line: line, "\"\(written)\": the path leaves the repository")
                }
                let root = try realPath(normalized, naming: written, origin: origin, line: line)
                guard try kind(root) == .directory else {
                    throw RenderError(.notFound, file: origin, line: line, "\(remote.description): no directory \"\(path)\" in \(remoteTree.displayName)")
                }
                let kustomization = try loadKustomization(in: root)
                if asComponent != kustomization.isComponent {
                    throw RenderError(.invalidKustomization, file: origin, line: line, asComponent
                        ? "expected kind 'Component' for \(remote.description) but got 'Kustomization'"
                        : "expected kind != 'Component' for \(remote.description): list it under components, not resources")
                }
                if asComponent {
                    try descend(into: root, written: written, origin: origin, line: line) { () throws(RenderError) in
                        try accumulate(kustomization, directory: root, into: &collection)
                    }
                } else {
                    var sub = ResourceCollection()
                    try descend(into: root, written: written, origin: origin, line: line) { () throws(RenderError) in
                        try accumulate(kustomization, directory: root, into: &sub)
                    }
                    try collection.append(contentsOf: sub, origin: origin)
                }
            }
        }
    }

    /// Runs `body` reading `tree` instead of the current one.
    private func withTree(_ other: FileTree, key: String, _ body: () throws(RenderError) -> Void) throws(RenderError) {
        let (savedTree, savedReader, savedKey) = (tree, reader, treeKey)
        tree = other
        reader = TreeReader(tree: other, maxFileBytes: options.maxFileBytes)
        treeKey = key
        defer {
            tree = savedTree
            reader = savedReader
            treeKey = savedKey
        }
        try body()
    }
}
