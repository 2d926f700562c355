#if canImport(Glibc)
import Glibc
#endif

/// Paths on the local disk for command-line arguments (no Foundation needed).
public enum LocalPaths {
    public static func currentDirectory() -> String {
        guard let cwd = getcwd(nil, 0) else { return "/" }
        defer { free(cwd) }
        return String(cString: cwd)
    }

    public static func absolute(_ path: String) -> String {
        let joined = path.hasPrefix("/") ? path : currentDirectory() + "/" + path
        var parts: [Substring] = []
        for component in joined.split(separator: "/") {
            if component == "." { continue }
            if component == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(component)
        }
        return "/" + parts.joined(separator: "/")
    }

    public static func realPath(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    public static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// The nearest directory at or above `path` that holds a `.git` entry.
    public static func enclosingGitWorkTree(of path: String) -> String? {
        var current = realPath(path)
        while true {
            if exists(current + "/.git") { return current }
            if current == "/" || current.isEmpty { return nil }
            let parent = String(current[..<(current.lastIndex(of: "/") ?? current.startIndex)])
            current = parent.isEmpty ? "/" : parent
        }
    }
}

extension LocalPaths {
    /// The bytes of a file, refusing more than `limit` bytes.
    public static func read(_ path: String, limit: Int = 32 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LocalFileError("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw LocalFileError("\(path): \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            out += buffer[..<n]
            if out.count > limit { throw LocalFileError("\(path): larger than \(limit >> 20) MiB") }
        }
        return out
    }

    /// Writes a file whole (created with `mode`, or truncated), so that a short write is an
    /// error rather than a half file nobody notices.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw LocalFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw LocalFileError("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    public static func write(_ text: String, to path: String, mode: mode_t = 0o644) throws {
        try write(Array(text.utf8), to: path, mode: mode)
    }

    /// Creates a directory and its missing parents (`mkdir -p`), new ones with `mode`.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o700) throws {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw LocalFileError("cannot create \(current): \(String(cString: strerror(errno)))")
            }
        }
        guard isDirectory(path) else { throw LocalFileError("\(path) exists and is not a directory") }
    }

    /// A new private directory `<prefix>.XXXXXX` (mkdtemp) under `$TMPDIR`, else /tmp.
    public static func makeTemporaryDirectory(prefix: String) throws -> String {
        var base = getenv("TMPDIR").map { String(cString: $0) } ?? ""
        if base.isEmpty { base = "/tmp" }
        var template = Array("\(base)/\(prefix).XXXXXX".utf8CString)
        guard let created = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw LocalFileError("cannot create a temporary directory under \(base): \(String(cString: strerror(errno)))")
        }
        return String(cString: created)
    }

    /// The regular files directly in a directory, sorted.
    public static func files(in directory: String) -> [String] {
        guard let dir = opendir(directory) else { return [] }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name.hasPrefix(".") { continue }
            var info = stat()
            if stat(directory + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFREG { names.append(name) }
        }
        return names.sorted().map { directory + "/" + $0 }
    }
}

/// A file on the local disk that cannot be read, with the path and the reason.
public struct LocalFileError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
