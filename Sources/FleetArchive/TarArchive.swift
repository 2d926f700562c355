/// A tar archive's regular files, read as Go's `archive/tar` reads them: ustar and GNU
/// headers, PAX extended headers (`path`, `size`), GNU long names, base-256 sizes.
public enum TarArchive {
    public struct Entry: Sendable, Equatable {
        /// The path as recorded (no normalisation: callers decide what a safe path is).
        public var path: String
        public var bytes: [UInt8]
    }

    /// The regular files of `data`, in archive order. Directories, links and devices are left
    /// out. `fileLimit` bounds each file, `totalLimit` all of them.
    public static func files(_ data: [UInt8], fileLimit: Int, totalLimit: Int) throws(ArchiveError) -> [Entry] {
        var entries: [Entry] = []
        var offset = 0
        var total = 0
        var longName: String?
        var paxPath: String?
        var paxSize: Int?
        while offset + 512 <= data.count {
            let header = data[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            try verifyChecksum(header)
            let type = header[header.startIndex + 156]
            var size = try number(header, 124, 12)
            if let paxSize { size = paxSize }
            guard size >= 0, size <= data.count else { throw ArchiveError("archive/tar: invalid size in header") }
            let start = offset + 512
            guard start + size <= data.count else { throw ArchiveError("unexpected EOF") }
            let body = Array(data[start..<start + size])
            offset = start + (size + 511) / 512 * 512
            switch type {
            case UInt8(ascii: "L"):  // GNU long name for the next entry
                longName = cString(body[...])
                continue
            case UInt8(ascii: "x"):  // PAX header for the next entry
                let records = try pax(body)
                paxPath = records["path"]
                paxSize = try records["size"].map { text throws(ArchiveError) in
                    guard let value = Int(text), value >= 0 else { throw ArchiveError("archive/tar: invalid PAX size \(text)") }
                    return value
                }
                continue
            case UInt8(ascii: "g"):  // PAX global header: Go hands it to the caller, names unchanged
                continue
            default:
                break
            }
            var path = cString(header[header.startIndex..<header.startIndex + 100])
            let magic = Array(header[header.startIndex + 257..<header.startIndex + 263])
            if magic == Array("ustar\0".utf8) {
                let prefix = cString(header[header.startIndex + 345..<header.startIndex + 500])
                if !prefix.isEmpty { path = prefix + "/" + path }
            }
            if let longName { path = longName }
            if let paxPath { path = paxPath }
            longName = nil; paxPath = nil; paxSize = nil
            guard type == UInt8(ascii: "0") || type == 0 || type == UInt8(ascii: "7") else { continue }
            guard size <= fileLimit else { throw ArchiveError("file \(path) is larger than the limit of \(fileLimit) bytes") }
            total += size
            guard total <= totalLimit else { throw ArchiveError("the archive's files are larger than the limit of \(totalLimit) bytes") }
            entries.append(Entry(path: path, bytes: body))
        }
        return entries
    }

    private static func cString(_ bytes: ArraySlice<UInt8>) -> String {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        return String(decoding: bytes[bytes.startIndex..<end], as: UTF8.self)
    }

    /// An octal field, or a base-256 one (high bit set) as GNU tar writes large sizes.
    private static func number(_ header: ArraySlice<UInt8>, _ at: Int, _ length: Int) throws(ArchiveError) -> Int {
        let field = header[header.startIndex + at..<header.startIndex + at + length]
        if let first = field.first, first & 0x80 != 0 {
            var value = Int(first & 0x7f)
            for byte in field.dropFirst() {
                guard value < (Int.max >> 8) else { throw ArchiveError("archive/tar: header field too large") }
                value = value << 8 | Int(byte)
            }
            return value
        }
        var value = 0
        var seenDigit = false
        for byte in field {
            if byte == 0 || byte == UInt8(ascii: " ") { if seenDigit { break } else { continue } }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7"), value < (Int.max >> 3) else {
                throw ArchiveError("archive/tar: invalid header")
            }
            value = value << 3 | Int(byte - UInt8(ascii: "0"))
            seenDigit = true
        }
        return value
    }

    private static func verifyChecksum(_ header: ArraySlice<UInt8>) throws(ArchiveError) {
        let recorded = try number(header, 148, 8)
        var unsigned = 0
        var signed = 0
        for (index, byte) in header.enumerated() {
            let value = (148..<156).contains(index) ? UInt8(ascii: " ") : byte
            unsigned += Int(value)
            signed += Int(Int8(bitPattern: value))
        }
        guard recorded == unsigned || recorded == signed else { throw ArchiveError("archive/tar: invalid tar header") }
    }

    /// PAX records: `LENGTH KEY=VALUE\n`, one after another.
    private static func pax(_ body: [UInt8]) throws(ArchiveError) -> [String: String] {
        var records: [String: String] = [:]
        var index = 0
        while index < body.count {
            if body[index] == 0 { break }
            guard let space = body[index...].firstIndex(of: UInt8(ascii: " ")),
                  let length = Int(String(decoding: body[index..<space], as: UTF8.self)),
                  length > space - index, index + length <= body.count, body[index + length - 1] == UInt8(ascii: "\n")
            else { throw ArchiveError("archive/tar: invalid PAX record") }
            let record = body[(space + 1)..<(index + length - 1)]
            if let equals = record.firstIndex(of: UInt8(ascii: "=")) {
                records[String(decoding: record[record.startIndex..<equals], as: UTF8.self)] =
                    String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            index += length
        }
        return records
    }
}
