/// Go's `path` package (slash-separated paths): Sprig's `base`, `dir`, `ext`, `clean`, and the
/// paths kustomize records in build metadata.
public enum GoPath {
    /// `path.Clean`: `.` and `..` resolved lexically, repeated slashes collapsed, "" is ".".
    public static func clean(_ path: String) -> String {
        if path.isEmpty { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".": continue
            case "..":
                if let last = parts.last, last != ".." { parts.removeLast() } else if !rooted { parts.append(part) }
            default: parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// `path.Join`: the elements joined with `/`, empty ones skipped, then cleaned.
    public static func join(_ elements: String...) -> String {
        let nonEmpty = elements.filter { !$0.isEmpty }
        return nonEmpty.isEmpty ? "" : clean(nonEmpty.joined(separator: "/"))
    }

    /// `path.Base`: the last element, trailing slashes removed; "" is ".", all slashes "/".
    public static func base(_ path: String) -> String {
        if path.isEmpty { return "." }
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        if trimmed == "/" { return "/" }
        if let slash = trimmed.lastIndex(of: "/") { return String(trimmed[trimmed.index(after: slash)...]) }
        return String(trimmed)
    }

    /// `path.Dir`: everything but the last element, cleaned.
    public static func dir(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return clean(String(path[...slash]))
    }

    /// `path.Ext`: the suffix from the last `.` of the last element.
    public static func ext(_ path: String) -> String {
        for index in path.indices.reversed() {
            if path[index] == "/" { return "" }
            if path[index] == "." { return String(path[index...]) }
        }
        return ""
    }
}
