/// Every open connection's phase and how long it has been in it: the decisions of the
/// connection governor as pure data (what to admit, what to close), so they test without
/// sockets.
///
/// Phases: `idle` (no request under way: a new connection or a kept-alive one), `head` (the
/// first bytes of a request arrived, its head is not complete), `body` (the head is read, the
/// body is not), `busy` (the request is being answered, a long-poll included). Idle, head and
/// body each have a time limit; a busy connection has none (its handler bounds itself).
struct ConnectionTable {
    struct Limits: Sendable, Equatable {
        var maxConnections: Int
        var idleSeconds: Double
        var headerSeconds: Double
        var bodySeconds: Double
    }

    enum Phase: Sendable, Equatable { case idle, head, body, busy }

    /// Why a connection is (to be) closed.
    enum Closure: Sendable, Equatable {
        case idleTimeout, headerTimeout, bodyTimeout
        /// Closed to make room for a new connection at the cap.
        case evicted
        /// A new connection refused at the cap (every open one had a request under way).
        case refused
    }

    enum Admission: Equatable {
        case admitted
        /// Admitted after closing this (the connection idle the longest).
        case admittedEvicting(Int)
        case refused
    }

    struct Entry {
        var phase: Phase
        var since: Double
        /// Changes at every phase change (matches the connection's newest `evictable` record).
        var stamp: Int
    }

    let limits: Limits
    private(set) var entries: [Int: Entry] = [:]
    /// Connections as they became idle or started a head, oldest first; a record whose stamp
    /// no longer matches its entry is stale and skipped (so eviction is amortized O(1)).
    private var evictable: [(id: Int, stamp: Int)] = []
    private var evictableStart = 0
    private var nextStamp = 0

    init(limits: Limits) { self.limits = limits }

    var count: Int { entries.count }

    /// Admits a new connection, evicting the oldest idle or half-sent one at the cap, so
    /// clients that hold connections without using them cannot lock others out.
    mutating func admit(_ id: Int, now: Double) -> Admission {
        if entries.count < limits.maxConnections {
            set(id, .idle, now: now)
            return .admitted
        }
        while evictableStart < evictable.count {
            let candidate = evictable[evictableStart]
            evictableStart += 1
            guard let entry = entries[candidate.id], entry.stamp == candidate.stamp, entry.phase == .idle || entry.phase == .head else { continue }
            entries[candidate.id] = nil
            set(id, .idle, now: now)
            compactEvictable()
            return .admittedEvicting(candidate.id)
        }
        compactEvictable()
        return .refused
    }

    /// Bytes arrived: an idle connection starts a request head (its header clock starts).
    mutating func sawBytes(_ id: Int, now: Double) {
        if let entry = entries[id], entry.phase == .idle { set(id, .head, now: now) }
    }

    mutating func enter(_ phase: Phase, _ id: Int, now: Double) {
        guard entries[id] != nil else { return }
        set(id, phase, now: now)
    }

    private mutating func set(_ id: Int, _ phase: Phase, now: Double) {
        nextStamp += 1
        entries[id] = Entry(phase: phase, since: now, stamp: nextStamp)
        if phase == .idle || phase == .head { evictable.append((id, nextStamp)) }
    }

    private mutating func compactEvictable() {
        if evictableStart > 1024 && evictableStart * 2 > evictable.count {
            evictable.removeFirst(evictableStart)
            evictableStart = 0
        }
    }

    mutating func remove(_ id: Int) { entries[id] = nil }

    /// The connections past their phase's time limit, removed from the table.
    mutating func expire(now: Double) -> [(Int, Closure)] {
        var closed: [(Int, Closure)] = []
        for (id, entry) in entries {
            let age = now - entry.since
            switch entry.phase {
            case .idle where age >= limits.idleSeconds: closed.append((id, .idleTimeout))
            case .head where age >= limits.headerSeconds: closed.append((id, .headerTimeout))
            case .body where age >= limits.bodySeconds: closed.append((id, .bodyTimeout))
            default: break
            }
        }
        for (id, _) in closed { entries[id] = nil }
        if evictable.count - evictableStart > 4 * max(entries.count, 1024) {
            // Records of connections long gone: rebuild from the live entries, oldest first.
            evictable = entries.filter { $0.value.phase == .idle || $0.value.phase == .head }
                .sorted { $0.value.stamp < $1.value.stamp }.map { ($0.key, $0.value.stamp) }
            evictableStart = 0
        }
        return closed
    }
}
