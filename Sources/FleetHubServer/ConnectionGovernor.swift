import FleetModel
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTPTypes
import Synchronization

/// Keeps the hub answering under connection floods: caps open connections (evicting the
/// longest-idle one to admit a new one), and closes connections that sit idle, dribble a
/// request head, or stall a body past their limits. Decisions come from `ConnectionTable`;
/// this class holds the channels and performs the closes.
///
/// Why eviction rather than refusing at the cap: a flood of idle or half-sent connections would
/// otherwise fill every slot and lock out spokes and /healthz until they time out.
public final class ConnectionGovernor: Sendable {
    private struct State {
        var table: ConnectionTable
        var channels: [Int: any Channel] = [:]
        var closures: [ConnectionTable.Closure: Int] = [:]
        var lastReport: Double = 0
        var closuresAtLastReport = 0
    }

    private let state: Mutex<State>
    private let logger: Logger
    let limits: ConnectionTable.Limits

    public init(maxConnections: Int, idleTimeout: KubeDuration, headerTimeout: KubeDuration, bodyTimeout: KubeDuration, logger: Logger) {
        limits = ConnectionTable.Limits(maxConnections: maxConnections, idleSeconds: idleTimeout.seconds,
                                        headerSeconds: headerTimeout.seconds, bodySeconds: bodyTimeout.seconds)
        state = Mutex(State(table: ConnectionTable(limits: limits)))
        self.logger = logger
    }

    /// Open connections now.
    public var openConnections: Int { state.withLock { $0.table.count } }

    /// Connections closed by the governor so far, by reason.
    public var closureCounts: [String: Int] {
        state.withLock { s in Dictionary(uniqueKeysWithValues: s.closures.map { ("\($0.key)", $0.value) }) }
    }

    static func key(_ channel: any Channel) -> Int { Int(bitPattern: UInt(bitPattern: ObjectIdentifier(channel))) }

    /// Registers a new connection; false when it must be closed (the cap is reached and no
    /// connection is idle enough to give way).
    func register(_ channel: any Channel) -> Bool {
        let id = Self.key(channel)
        let now = SystemClock.monotonic()
        let (admission, victim): (ConnectionTable.Admission, (any Channel)?) = state.withLock { s in
            let decision = s.table.admit(id, now: now)
            var evicted: (any Channel)?
            switch decision {
            case .admitted:
                s.channels[id] = channel
            case .admittedEvicting(let old):
                evicted = s.channels.removeValue(forKey: old)
                s.channels[id] = channel
                s.closures[.evicted, default: 0] += 1
            case .refused:
                s.closures[.refused, default: 0] += 1
            }
            return (decision, evicted)
        }
        victim?.close(promise: nil)
        if admission != .admitted { reportPressure(now: now) }
        return admission != .refused
    }

    func sawBytes(_ channel: any Channel) {
        let now = SystemClock.monotonic()
        state.withLock { $0.table.sawBytes(Self.key(channel), now: now) }
    }

    func enter(_ phase: ConnectionTable.Phase, _ channel: any Channel) {
        let now = SystemClock.monotonic()
        state.withLock { $0.table.enter(phase, Self.key(channel), now: now) }
    }

    func remove(_ channel: any Channel) {
        let id = Self.key(channel)
        state.withLock { s in
            s.table.remove(id)
            s.channels[id] = nil
        }
    }

    /// Closes the connections past their time limits.
    public func sweep() {
        let now = SystemClock.monotonic()
        let expired: [any Channel] = state.withLock { s in
            s.table.expire(now: now).compactMap { id, reason in
                s.closures[reason, default: 0] += 1
                return s.channels.removeValue(forKey: id)
            }
        }
        for channel in expired { channel.close(promise: nil) }
    }

    /// Sweeps once a second until cancelled.
    public func run() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: .seconds(1))
            sweep()
        }
    }

    /// One log line per 10 s at most while the cap is being hit, with what was done.
    private func reportPressure(now: Double) {
        let line: String? = state.withLock { s in
            guard now - s.lastReport >= 10 else { return nil }
            let total = (s.closures[.evicted] ?? 0) + (s.closures[.refused] ?? 0)
            let recent = total - s.closuresAtLastReport
            s.lastReport = now
            s.closuresAtLastReport = total
            return "connection limit reached (\(limits.maxConnections) open, limits.maxConnections): \(recent) connection(s) closed to admit or refuse new ones since the last report (\(s.closures[.evicted] ?? 0) idle evicted, \(s.closures[.refused] ?? 0) refused in all)"
        }
        if let line { logger.warning("\(line)") }
    }

    /// Handlers for one connection's pipeline: one that sees raw bytes first (header clock),
    /// one after HTTP decoding (request phases).
    func rawHandler() -> RawBytesWatcher { RawBytesWatcher(governor: self) }
    func phaseHandler() -> RequestPhaseWatcher { RequestPhaseWatcher(governor: self) }
}

/// First in the pipeline: registers the connection, and notes when request bytes start.
final class RawBytesWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked: NIO calls a handler on its channel's event loop only.
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    private let governor: ConnectionGovernor

    init(governor: ConnectionGovernor) { self.governor = governor }

    func handlerAdded(context: ChannelHandlerContext) {
        if !governor.register(context.channel) { context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        governor.sawBytes(context.channel)
        context.fireChannelRead(data)
    }

    func channelInactive(context: ChannelHandlerContext) {
        governor.remove(context.channel)
        context.fireChannelInactive()
    }
}

/// After HTTP decoding: a request head read starts the body clock, its end makes the
/// connection busy, the end of the response makes it idle again.
final class RequestPhaseWatcher: ChannelDuplexHandler, RemovableChannelHandler, @unchecked Sendable {
    // @unchecked: NIO calls a handler on its channel's event loop only.
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart
    private let governor: ConnectionGovernor

    init(governor: ConnectionGovernor) { self.governor = governor }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: governor.enter(.body, context.channel)
        case .end: governor.enter(.busy, context.channel)
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { governor.enter(.idle, context.channel) }
        context.write(data, promise: promise)
    }
}

/// A child channel (HTTP/1, with or without TLS) whose connections the governor watches.
struct GovernedChildChannel<Base: ServerChildChannel>: ServerChildChannel {
    typealias Value = Base.Value
    let base: Base
    let governor: ConnectionGovernor

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let watcher = governor.rawHandler()
        do {
            try channel.pipeline.syncOperations.addHandler(watcher, position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return base.setup(channel: channel, logger: logger)
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}
