import FleetModel

/// Reads a `FileTree` safely on behalf of the renderers: paths are resolved inside the tree,
/// symlinks are followed only while they stay inside it, and files over the size limit are
/// refused. Every failure is a `RenderError` naming the file.
struct TreeReader {
    let tree: FileTree
    let maxFileBytes: Int

    func kind(_ path: String) throws(RenderError) -> FileTreeEntryKind? {
        do { return try tree.kind(of: path) } catch { throw RenderError(.notFound, file: tree.displayPath(path), "\(error)") }
    }

    func read(_ path: String, display: String) throws(RenderError) -> [UInt8] {
        do {
            let bytes = try tree.readFile(path)
            if bytes.count > maxFileBytes {
                throw RenderError(.tooLarge, file: display, "file too large (\(bytes.count) bytes, limit \(maxFileBytes))")
            }
            return bytes
        } catch let error as RenderError {
            throw error
        } catch let error as FileTreeError {
            let kind: RenderError.Kind = error.kind == .tooLarge ? .tooLarge : .notFound
            throw RenderError(kind, file: display, error.kind == .tooLarge ? "file too large (\(error.detail))" : "cannot read file: \(error)")
        } catch {
            throw RenderError(.notFound, file: display, "cannot read file: \(error)")
        }
    }

    /// Resolves a path written in a file to a symlink-free tree path.
    func resolve(_ path: String, from directory: String, origin: String, line: Int?) throws(RenderError) -> String {
        let joined: String?
        if path.hasPrefix("/") {
            joined = tree.treePath(forAbsolute: path)
        } else {
            joined = TreePath.resolve(path, against: directory)
        }
        guard let joined else {
            throw RenderError(.outsideRoot, file: origin, line: line, "\"\(path)\" is outside the repository (\(tree.displayName))")
        }
        return try realPath(joined, naming: path, origin: origin, line: line)
    }

    /// Follows symlinks component by component, refusing targets outside the tree.
    func realPath(_ path: String, naming: String, origin: String? = nil, line: Int? = nil) throws(RenderError) -> String {
        var pending = path.split(separator: "/").map(String.init)
        var resolved: [String] = []
        var hops = 0
        while !pending.isEmpty {
            let component = pending.removeFirst()
            let candidate = (resolved + [component]).joined(separator: "/")
            guard case .symlink(let target)? = try kind(candidate) else {
                resolved.append(component)
                continue
            }
            hops += 1
            if hops > 40 { throw RenderError(.outsideRoot, file: origin, line: line, "too many levels of symbolic links in \"\(naming)\"") }
            let base = resolved.joined(separator: "/")
            let next = target.hasPrefix("/") ? tree.treePath(forAbsolute: target) : TreePath.resolve(target, against: base)
            guard let next else {
                throw RenderError(.outsideRoot, file: origin ?? tree.displayPath(candidate), line: line,
                                  "\"\(naming)\" is a symlink to \(target), outside the repository (\(tree.displayName))")
            }
            resolved = []
            pending = next.split(separator: "/").map(String.init) + pending
        }
        return resolved.joined(separator: "/")
    }
}
