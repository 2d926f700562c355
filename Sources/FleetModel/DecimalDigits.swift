/// The shortest decimal digits that read back as a given `Double`, and the number formats the
/// Kubernetes toolchain writes with them.
///
/// Go's `encoding/json` and `strconv` print floats from the shortest round-tripping digits;
/// Swift's `description` finds the same digits but lays them out differently. Extracting the
/// digits once and formatting them ourselves lets JSON and YAML output match what `kubectl`
/// and `kustomize` print, with no float noise (`0.1` stays `0.1`).
public struct DecimalDigits: Equatable, Sendable {
    /// Significant digits, no leading or trailing zeros ("0" only for zero).
    public var digits: [UInt8]
    /// Position of the decimal point relative to the digits: value = 0.digits × 10^pointPosition.
    public var pointPosition: Int
    public var isNegative: Bool

    /// The shortest digits for a finite `value` (`nil` for infinities and NaN).
    public init?(_ value: Double) {
        guard value.isFinite else { return nil }
        isNegative = value.sign == .minus && value != 0
        if value == 0 {
            digits = [UInt8(ascii: "0")]
            pointPosition = 1
            return
        }
        // Swift prints "1.2345e+29", "1e-05", "123.45" or "0.001": the shortest digits that
        // round-trip, which is all we take from it.
        let text = Array(abs(value).description.utf8)
        var mantissa = text[...]
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var all: [UInt8] = []
        var integerDigits = 0
        var seenPoint = false
        for c in mantissa {
            if c == UInt8(ascii: ".") { seenPoint = true; continue }
            all.append(c)
            if !seenPoint { integerDigits += 1 }
        }
        var point = integerDigits + exponent
        while all.count > 1, all.first == UInt8(ascii: "0") {
            all.removeFirst()
            point -= 1
        }
        while all.count > 1, all.last == UInt8(ascii: "0") { all.removeLast() }
        digits = all
        pointPosition = point
    }

    /// The decimal exponent of the leading digit (scientific notation `d.ddd × 10^exponent`).
    public var exponent: Int { pointPosition - 1 }

    /// Fixed notation: "1500", "0.0015", "12.5".
    public func fixed() -> String {
        var out: [UInt8] = isNegative ? [UInt8(ascii: "-")] : []
        if pointPosition <= 0 {
            out += Array("0.".utf8)
            out += [UInt8](repeating: UInt8(ascii: "0"), count: -pointPosition)
            out += digits
        } else if pointPosition >= digits.count {
            out += digits
            out += [UInt8](repeating: UInt8(ascii: "0"), count: pointPosition - digits.count)
        } else {
            out += digits[..<pointPosition]
            out.append(UInt8(ascii: "."))
            out += digits[pointPosition...]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Scientific notation "d.ddde±X" with at least `minimumExponentDigits` exponent digits.
    public func scientific(minimumExponentDigits: Int) -> String {
        var out: [UInt8] = isNegative ? [UInt8(ascii: "-")] : []
        out.append(digits[0])
        if digits.count > 1 {
            out.append(UInt8(ascii: "."))
            out += digits[1...]
        }
        out.append(UInt8(ascii: "e"))
        let e = exponent
        out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
        var exponentText = Array(String(abs(e)).utf8)
        while exponentText.count < minimumExponentDigits { exponentText.insert(UInt8(ascii: "0"), at: 0) }
        out += exponentText
        return String(decoding: out, as: UTF8.self)
    }

    /// The digits rounded to `count` significant digits (half to even on the shortest digits),
    /// and the point position after a carry.
    private func roundedDigits(keeping count: Int) -> (digits: [UInt8], point: Int) {
        guard count < digits.count else {
            return (digits + [UInt8](repeating: UInt8(ascii: "0"), count: max(count, 0) - digits.count), pointPosition)
        }
        guard count >= 0 else { return ([], pointPosition) }
        var kept = Array(digits[..<count])
        let first = digits[count]
        let rest = digits[(count + 1)...]
        let roundUp = first > UInt8(ascii: "5") || (first == UInt8(ascii: "5") && (rest.contains { $0 != UInt8(ascii: "0") } || (kept.last.map { ($0 - UInt8(ascii: "0")) % 2 == 1 } ?? false)))
        var point = pointPosition
        if roundUp {
            var i = kept.count - 1
            while i >= 0 {
                if kept[i] == UInt8(ascii: "9") { kept[i] = UInt8(ascii: "0"); i -= 1 } else { kept[i] += 1; break }
            }
            if i < 0 { kept.insert(UInt8(ascii: "1"), at: 0); kept.removeLast(); point += 1 }
            if count == 0 { return ([UInt8(ascii: "1")], point + 1) }
        }
        return (kept, point)
    }

    /// Fixed notation with exactly `places` digits after the point, as `%.Nf` prints it.
    public func rounded(fractionDigits places: Int) -> String {
        let (kept, point) = roundedDigits(keeping: pointPosition + places)
        var all = kept
        var p = point
        if all.isEmpty { all = [UInt8(ascii: "0")]; p = 1 }
        var integer: [UInt8] = p > 0 ? Array(all.prefix(p)) : [UInt8(ascii: "0")]
        if p > all.count { integer += [UInt8](repeating: UInt8(ascii: "0"), count: p - all.count) }
        var fraction: [UInt8] = p < 0 ? [UInt8](repeating: UInt8(ascii: "0"), count: -p) + all : Array(all.dropFirst(max(p, 0)))
        if fraction.count < places { fraction += [UInt8](repeating: UInt8(ascii: "0"), count: places - fraction.count) }
        fraction = Array(fraction.prefix(places))
        let negative = isNegative && (integer + fraction).contains { $0 != UInt8(ascii: "0") }
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        out += integer
        if places > 0 { out.append(UInt8(ascii: ".")); out += fraction }
        return String(decoding: out, as: UTF8.self)
    }

    /// Scientific notation with `count` significant digits, as `%.Ne` prints it (N = count - 1).
    public func roundedScientific(significantDigits count: Int) -> String {
        let (kept, point) = roundedDigits(keeping: max(count, 1))
        var out: [UInt8] = isNegative ? [UInt8(ascii: "-")] : []
        let isZero = digits == [UInt8(ascii: "0")]
        out.append(kept[0])
        if kept.count > 1 { out.append(UInt8(ascii: ".")); out += kept[1...] }
        let e = isZero ? 0 : point - 1
        out += Array((e < 0 ? "e-" : "e+").utf8)
        let text = String(abs(e))
        out += Array((text.count < 2 ? "0" + text : text).utf8)
        return String(decoding: out, as: UTF8.self)
    }

    /// How JavaScript and Go's `encoding/json` write a number: fixed notation for magnitudes in
    /// [1e-6, 1e21), scientific outside, so `1.0` is written `1` and `1e-7` stays short.
    public static func json(_ value: Double) -> String? {
        guard let d = DecimalDigits(value) else { return nil }
        let magnitude = abs(value)
        if magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21) {
            return d.scientific(minimumExponentDigits: 1)
        }
        return d.fixed()
    }

    /// How Go's `strconv.FormatFloat(v, 'g', -1, 64)` writes a number, and so how `kubectl` and
    /// `kustomize` print a float in YAML: scientific with a two-digit exponent when the decimal
    /// exponent is below -4 or at least 6 (Go's fixed cutoff for shortest precision), fixed
    /// otherwise: `685230.15`, `1.2345675e+06`, `1e-05`.
    public static func goG(_ value: Double) -> String? {
        guard let d = DecimalDigits(value) else { return nil }
        let e = d.exponent
        if e < -4 || e >= 6 {
            return d.scientific(minimumExponentDigits: 2)
        }
        return d.fixed()
    }
}
