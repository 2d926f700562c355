/// A Kubernetes resource quantity (`500m`, `2`, `1Gi`, `1.5e3`, `128974848`), compared by
/// value: `1000m` equals `1`, `1Gi` equals `1024Mi`, so writing a quantity differently is
/// never drift.
public struct Quantity: Equatable, Sendable, CustomStringConvertible {
    /// The value in base units (cores, bytes...).
    public let value: Double
    public let text: String

    private static let decimalSuffixes: [String: Double] = [
        "n": 1e-9, "u": 1e-6, "m": 1e-3, "": 1, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18,
    ]
    private static let binarySuffixes: [String: Double] = [
        "Ki": 1024, "Mi": 1_048_576, "Gi": 1_073_741_824, "Ti": 1_099_511_627_776, "Pi": 1_125_899_906_842_624, "Ei": 1_152_921_504_606_846_976,
    ]

    /// Parses the quantity grammar of Kubernetes: a signed decimal number, then a binary SI
    /// suffix, a decimal SI suffix, or a decimal exponent (`e3`, `E-2`).
    public init?(_ text: String) {
        let trimmed = text
        guard !trimmed.isEmpty, trimmed.utf8.count <= 64 else { return nil }
        var numberEnd = trimmed.startIndex
        var sawDigit = false
        var index = trimmed.startIndex
        if trimmed[index] == "+" || trimmed[index] == "-" { index = trimmed.index(after: index) }
        var sawPoint = false
        while index < trimmed.endIndex {
            let c = trimmed[index]
            if c.isASCII && c.isNumber { sawDigit = true } else if c == "." && !sawPoint { sawPoint = true } else { break }
            index = trimmed.index(after: index)
        }
        numberEnd = index
        guard sawDigit, let number = Double(trimmed[..<numberEnd]) else { return nil }
        let suffix = String(trimmed[numberEnd...])
        var multiplier: Double
        if let binary = Self.binarySuffixes[suffix] {
            multiplier = binary
        } else if let decimal = Self.decimalSuffixes[suffix] {
            multiplier = decimal
        } else if let first = suffix.first, first == "e" || first == "E", let exponent = Int(suffix.dropFirst()), abs(exponent) <= 30 {
            multiplier = 1
            for _ in 0..<abs(exponent) { multiplier = exponent > 0 ? multiplier * 10 : multiplier / 10 }
        } else {
            return nil
        }
        value = number * multiplier
        self.text = text
    }

    public static func == (a: Quantity, b: Quantity) -> Bool {
        if a.value == b.value { return true }
        let scale = max(abs(a.value), abs(b.value))
        return abs(a.value - b.value) <= scale * 1e-12
    }

    public var description: String { text }
}
