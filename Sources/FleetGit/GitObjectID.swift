import CGit2

/// A Git object name (SHA-1), printable as 40 hex digits.
public struct GitObjectID: Hashable, Sendable, CustomStringConvertible {
    public let hex: String

    init(_ oid: git_oid) {
        var oid = oid
        var buffer = [CChar](repeating: 0, count: 41)
        git_oid_tostr(&buffer, 41, &oid)
        hex = String(decoding: buffer.prefix(40).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    init?(_ pointer: UnsafePointer<git_oid>?) {
        guard let pointer else { return nil }
        self.init(pointer.pointee)
    }

    /// Parses 40 hex digits; `nil` for anything else.
    public init?(hex: String) {
        guard hex.utf8.count == 40, hex.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }) else {
            return nil
        }
        self.hex = hex.lowercased()
    }

    public var description: String { hex }
    /// The abbreviated form people read in logs.
    public var short: String { String(hex.prefix(12)) }

    var oid: git_oid {
        var oid = git_oid()
        _ = git_oid_fromstr(&oid, hex)
        return oid
    }

    /// Whether the object is the all-zeros id libgit2 uses for "no object" (e.g. a new ref).
    public var isZero: Bool { hex.utf8.allSatisfy { $0 == 48 } }
}
