import FleetFiles
import Foundation

/// A fresh directory under the system temp dir, removed by `remove()` (tests call it in
/// `defer`). Paths are real (symlinks resolved) so tools that compare paths agree.
public final class TemporaryDirectory: @unchecked Sendable {
    // @unchecked: `path` is immutable after init; removal is idempotent.
    public let path: String

    public init(prefix: String = "fleet-test") throws {
        path = LocalPaths.realPath(try LocalPaths.makeTemporaryDirectory(prefix: prefix))
    }

    public func url(_ relative: String = "") -> URL {
        relative.isEmpty ? URL(fileURLWithPath: path) : URL(fileURLWithPath: path).appendingPathComponent(relative)
    }

    public func file(_ relative: String) -> String { path + "/" + relative }

    /// Writes `contents` at `relative`, creating parent directories.
    @discardableResult
    public func write(_ relative: String, _ contents: String) throws -> String {
        let target = url(relative)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try contents.write(to: target, atomically: true, encoding: .utf8)
        return target.path
    }

    public func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
