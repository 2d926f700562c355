import FleetModel
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A zone's rules from the system's tzdata (`/usr/share/zoneinfo/NAME`, TZif), as Go's `time`
/// package reads them: the offset and abbreviation in force at an instant. Read once per zone.
struct TimeZoneFile: Sendable {
    struct Rule: Sendable {
        var offset: Int
        var abbreviation: String
    }

    let transitions: [Int]
    let ruleIndexes: [Int]
    let rules: [Rule]

    private static let cache = Mutex<[String: TimeZoneFile?]>([:])

    static func load(_ name: String) -> TimeZoneFile? {
        if let cached = cache.withLock({ $0[name] }) { return cached }
        var zone: TimeZoneFile?
        // Names are paths under the zoneinfo directory: refuse anything that could leave it.
        if !name.isEmpty, !name.hasPrefix("/"), !name.split(separator: "/").contains(".."),
           let bytes = read("/usr/share/zoneinfo/" + name) {
            zone = parse(bytes)
        }
        cache.withLock { $0[name] = zone }
        return zone
    }

    private static func read(_ path: String) -> [UInt8]? {
        guard let file = fopen(path, "rb") else { return nil }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < 1 << 20 {
            let count = fread(&buffer, 1, buffer.count, file)
            if count <= 0 { break }
            bytes += buffer[0..<count]
        }
        return bytes
    }

    /// TZif version 1 data, or version 2+'s 64-bit block when present.
    static func parse(_ data: [UInt8]) -> TimeZoneFile? {
        func header(at start: Int) -> (isutc: Int, isstd: Int, leap: Int, time: Int, type: Int, chars: Int)? {
            guard data.count >= start + 44, Array(data[start..<start + 4]) == Array("TZif".utf8) else { return nil }
            func count(_ at: Int) -> Int { data[start + at..<start + at + 4].reduce(0) { $0 << 8 | Int($1) } }
            return (count(20), count(24), count(28), count(32), count(36), count(40))
        }
        guard let first = header(at: 0) else { return nil }
        var start = 0, timeSize = 4, counts = first
        if data[4] >= UInt8(ascii: "2") {
            let skip = 44 + first.time * 4 + first.time + first.type * 6 + first.chars + first.leap * 8 + first.isstd + first.isutc
            if let second = header(at: skip) { start = skip; timeSize = 8; counts = second }
        }
        var at = start + 44
        func signed(_ size: Int) -> Int? {
            guard at + size <= data.count else { return nil }
            var value = 0
            for byte in data[at..<at + size] { value = value << 8 | Int(byte) }
            if data[at] & 0x80 != 0 { value -= 1 << (size * 8) }
            at += size
            return value
        }
        var transitions: [Int] = []
        for _ in 0..<counts.time { guard let t = signed(timeSize) else { return nil }; transitions.append(t) }
        guard at + counts.time <= data.count else { return nil }
        let indexes = data[at..<at + counts.time].map(Int.init)
        at += counts.time
        var raw: [(offset: Int, abbreviationIndex: Int)] = []
        for _ in 0..<counts.type {
            guard let offset = signed(4), at + 2 <= data.count else { return nil }
            raw.append((offset, Int(data[at + 1])))
            at += 2
        }
        guard at + counts.chars <= data.count, !raw.isEmpty else { return nil }
        let chars = Array(data[at..<at + counts.chars])
        let rules = raw.map { entry -> Rule in
            let tail = chars[min(entry.abbreviationIndex, chars.count)...]
            let end = tail.firstIndex(of: 0) ?? tail.endIndex
            return Rule(offset: entry.offset, abbreviation: String(decoding: tail[tail.startIndex..<end], as: UTF8.self))
        }
        guard indexes.allSatisfy({ $0 < rules.count }) else { return nil }
        return TimeZoneFile(transitions: transitions, ruleIndexes: indexes, rules: rules)
    }

    /// The rule in force at `seconds`: the last transition at or before it (before the first,
    /// the zone's first rule). Instants past the last transition keep its rule (the TZ string
    /// footer for far-future dates is not read).
    func rule(at seconds: Int) -> Rule? {
        guard let last = transitions.lastIndex(where: { $0 <= seconds }) else { return rules.first }
        return rules[ruleIndexes[last]]
    }
}
