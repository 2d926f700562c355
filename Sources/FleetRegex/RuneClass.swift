/// A set of Unicode scalar values as sorted, disjoint, non-adjacent closed ranges: the form
/// Go's regexp/syntax keeps character classes in, so class arithmetic (negation, case folding,
/// union) follows the same rules and the matcher tests a rune with one binary search.
struct RuneClass: Equatable, Sendable {
    static let maxRune: UInt32 = 0x10FFFF

    private(set) var ranges: [ClosedRange<UInt32>] = []

    init() {}

    init(_ ranges: [ClosedRange<UInt32>]) {
        for range in ranges { add(range) }
    }

    static let any = RuneClass([0...maxRune])
    static let anyExceptNewline = RuneClass([0...0x09, 0x0B...maxRune])

    var isEmpty: Bool { ranges.isEmpty }

    /// The single rune this class holds, if it holds exactly one.
    var singleRune: UInt32? {
        ranges.count == 1 && ranges[0].lowerBound == ranges[0].upperBound ? ranges[0].lowerBound : nil
    }

    func contains(_ rune: UInt32) -> Bool {
        var low = 0
        var high = ranges.count - 1
        while low <= high {
            let middle = (low + high) / 2
            let range = ranges[middle]
            if rune < range.lowerBound {
                high = middle - 1
            } else if rune > range.upperBound {
                low = middle + 1
            } else {
                return true
            }
        }
        return false
    }

    /// Adds a range, keeping the ranges sorted and merged.
    mutating func add(_ range: ClosedRange<UInt32>) {
        // Fast path: appending in order, as parsing and folding mostly do.
        if let last = ranges.last {
            if range.lowerBound > last.upperBound &+ 1 {
                ranges.append(range)
                return
            }
            if range.lowerBound >= last.lowerBound {
                if range.upperBound > last.upperBound {
                    ranges[ranges.count - 1] = last.lowerBound...range.upperBound
                }
                return
            }
        } else {
            ranges.append(range)
            return
        }
        var merged = range
        var kept: [ClosedRange<UInt32>] = []
        kept.reserveCapacity(ranges.count + 1)
        var inserted = false
        for existing in ranges {
            if existing.upperBound &+ 1 < merged.lowerBound {
                kept.append(existing)
            } else if merged.upperBound &+ 1 < existing.lowerBound {
                if !inserted { kept.append(merged); inserted = true }
                kept.append(existing)
            } else {
                merged = min(merged.lowerBound, existing.lowerBound)...max(merged.upperBound, existing.upperBound)
            }
        }
        if !inserted { kept.append(merged) }
        ranges = kept
    }

    mutating func add(_ other: RuneClass) {
        for range in other.ranges { add(range) }
    }

    /// Every rune not in the class.
    func negated() -> RuneClass {
        var out = RuneClass()
        var next: UInt32 = 0
        for range in ranges {
            if range.lowerBound > next { out.ranges.append(next...(range.lowerBound - 1)) }
            next = range.upperBound &+ 1
        }
        if next <= Self.maxRune {
            out.ranges.append(next...Self.maxRune)
        }
        return out
    }

    /// The class with every rune's case-folding equivalents added, as `(?i)` asks.
    func caseFolded() -> RuneClass {
        var out = self
        for range in ranges {
            let low = max(range.lowerBound, CaseFolding.minFold)
            let high = min(range.upperBound, CaseFolding.maxFold)
            guard low <= high else { continue }
            var rune = low
            while rune <= high {
                for other in CaseFolding.orbit(of: rune) where other != rune { out.add(other...other) }
                rune += 1
            }
        }
        return out
    }
}

/// Simple case folding (Go's `unicode.SimpleFold` orbits), derived from the Unicode case
/// mappings of the standard library: two runes fold together when one's single-rune lower,
/// upper or title mapping is the other, transitively (so `k`, `K` and the Kelvin sign form one
/// orbit).
enum CaseFolding {
    static let minFold: UInt32 = 0x41
    static let maxFold: UInt32 = 0x1E943

    /// The runes that fold together with `rune`, itself included, in increasing order.
    static func orbit(of rune: UInt32) -> [UInt32] {
        if rune < 0x80 {
            // ASCII letters, plus the two non-ASCII runes that fold into them.
            switch rune {
            case 0x41...0x5A, 0x61...0x7A:
                let lower = rune | 0x20
                if lower == 0x6B { return [0x4B, 0x6B, 0x212A] }
                if lower == 0x73 { return [0x53, 0x73, 0x17F] }
                return [lower & ~0x20, lower]
            default:
                return [rune]
            }
        }
        return table.orbits[rune] ?? [rune]
    }

    /// The smallest rune of `rune`'s orbit: the canonical form of a case-insensitive literal.
    static func minimum(_ rune: UInt32) -> UInt32 { orbit(of: rune)[0] }

    private struct Table: Sendable {
        var orbits: [UInt32: [UInt32]] = [:]
    }

    /// Built once, on the first case-insensitive non-ASCII use: one pass over the scalars that
    /// have case mappings, joined with a union-find.
    private static let table: Table = {
        var parent: [UInt32: UInt32] = [:]
        func find(_ x: UInt32) -> UInt32 {
            var root = x
            while let p = parent[root], p != root { root = p }
            var node = x
            while let p = parent[node], p != root { parent[node] = root; node = p }
            return root
        }
        func union(_ a: UInt32, _ b: UInt32) {
            if parent[a] == nil { parent[a] = a }
            if parent[b] == nil { parent[b] = b }
            let ra = find(a), rb = find(b)
            if ra != rb { parent[max(ra, rb)] = min(ra, rb) }
        }
        func single(_ text: String) -> UInt32? {
            var scalars = text.unicodeScalars.makeIterator()
            guard let first = scalars.next(), scalars.next() == nil else { return nil }
            return first.value
        }
        var value = minFold
        while value <= maxFold {
            if let scalar = Unicode.Scalar(value) {
                let properties = scalar.properties
                if properties.changesWhenCaseMapped {
                    for mapped in [properties.lowercaseMapping, properties.uppercaseMapping, properties.titlecaseMapping] {
                        if let other = single(mapped), other != value, other >= minFold, other <= maxFold { union(value, other) }
                    }
                }
            }
            value += 1
        }
        var groups: [UInt32: [UInt32]] = [:]
        for member in parent.keys { groups[find(member), default: []].append(member) }
        var table = Table()
        for members in groups.values where members.count > 1 {
            let sorted = members.sorted()
            for member in sorted { table.orbits[member] = sorted }
        }
        return table
    }()
}
