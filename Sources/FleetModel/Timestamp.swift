#if canImport(Glibc)
import Glibc
#endif

/// RFC 3339 timestamps in UTC with second precision (`2026-11-27T19:19:31Z`), as Kubernetes
/// writes them, without Foundation: the spoke cannot link it, and the hub formats one per
/// cluster and event in its views, where a formatter object per call costs more than this.
public enum Timestamp {
    public static func rfc3339(_ secondsSinceEpoch: Double) -> String {
        var time = time_t(secondsSinceEpoch)
        var parts = tm()
        gmtime_r(&time, &parts)
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = buffer.withUnsafeMutableBufferPointer { pointer in
            pointer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: 32) { strftime($0, 32, "%Y-%m-%dT%H:%M:%SZ", &parts) }
        }
        return String(decoding: buffer[..<count], as: UTF8.self)
    }
}
