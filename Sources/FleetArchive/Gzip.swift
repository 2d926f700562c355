import CZlib

/// Why an archive could not be read.
public struct ArchiveError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// gzip decompression on zlib, bounded: archives come from Git repositories and chart
/// repositories, and a few kilobytes of gzip can expand to gigabytes.
public enum Gzip {
    /// The decompressed bytes of `data` (one or more concatenated gzip members, as Go's
    /// reader accepts), or an error once more than `limit` bytes would come out.
    public static func decompress(_ data: [UInt8], limit: Int) throws(ArchiveError) -> [UInt8] {
        guard data.count >= 2, data[0] == 0x1f, data[1] == 0x8b else { throw ArchiveError("gzip: invalid header") }
        let inflater = Inflater()
        guard inflater.start() == Z_OK else { throw ArchiveError("gzip: cannot start zlib") }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var consumed = 0
        while true {
            let remaining = data.count - consumed
            let (status, read, written) = data.withUnsafeBufferPointer { input in
                chunk.withUnsafeMutableBufferPointer { out in
                    inflater.step(input: UnsafeMutablePointer(mutating: input.baseAddress! + consumed), count: remaining, output: out.baseAddress!, capacity: out.count)
                }
            }
            consumed += read
            if written > 0 {
                guard output.count + written <= limit else { throw ArchiveError("gzip: decompressed data is larger than the limit of \(limit) bytes") }
                output.append(contentsOf: chunk[0..<written])
            }
            switch status {
            case Z_STREAM_END:
                // Another member may follow (Go reads multistream gzip by default).
                let rest = data.count - consumed
                if rest >= 2, data[consumed] == 0x1f, data[consumed + 1] == 0x8b {
                    guard inflater.reset() == Z_OK else { throw ArchiveError("gzip: cannot restart zlib") }
                    continue
                }
                return output
            case Z_OK:
                if read == 0 && written == 0 { throw ArchiveError("gzip: unexpected EOF") }
            case Z_BUF_ERROR:
                if consumed >= data.count { throw ArchiveError("gzip: unexpected EOF") }
            case Z_DATA_ERROR:
                throw ArchiveError("gzip: invalid data" + inflater.message.map { ": \($0)" }.orEmpty)
            default:
                throw ArchiveError("gzip: zlib error \(status)")
            }
        }
    }
}

extension Optional where Wrapped == String {
    fileprivate var orEmpty: String { self ?? "" }
}

/// One zlib inflate stream, freed when released.
private final class Inflater {
    private var stream = z_stream()
    private var started = false

    func start() -> Int32 {
        let status = fleet_inflate_init_auto(&stream)
        started = status == Z_OK
        return status
    }

    func reset() -> Int32 { inflateReset(&stream) }

    /// Inflates from `input` into `output`; returns the status and how much was read and written.
    func step(input: UnsafeMutablePointer<UInt8>, count: Int, output: UnsafeMutablePointer<UInt8>, capacity: Int) -> (Int32, Int, Int) {
        let availableIn = UInt32(clamping: count)
        stream.next_in = input
        stream.avail_in = availableIn
        stream.next_out = output
        stream.avail_out = UInt32(capacity)
        let status = inflate(&stream, Z_NO_FLUSH)
        return (status, Int(availableIn - stream.avail_in), capacity - Int(stream.avail_out))
    }

    var message: String? { stream.msg.map { String(cString: $0) } }

    deinit { if started { inflateEnd(&stream) } }
}
