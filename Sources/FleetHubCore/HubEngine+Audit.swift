import FleetModel

/// The audit log's refusals, bounded: a token that is refused again and again (a spoke probing
/// other clusters, a script with the wrong token) writes one `access-denied` event a minute,
/// the next one counting those in between, so a caller cannot grow the database with them.
extension HubEngine {
    public func recordDenied(_ principal: Principal, action: String) {
        let now = SystemClock.monotonic()
        let key = principal.name
        if let last = denials[key], now - last.at < 60 {
            denials[key] = (last.at, last.suppressed + 1)
            return
        }
        let suppressed = denials[key]?.suppressed ?? 0
        denials[key] = (now, 0)
        if denials.count > 10_000 { denials = denials.filter { now - $0.value.at < 60 } }
        let more = suppressed == 0 ? "" : " (and \(suppressed) more refusal(s) of this token in the minute before)"
        _ = try? database.recordEvent(kind: "access-denied", actor: principal.name, subject: String(action.prefix(200)),
                                      message: "\(principal.name) may not \(action.prefix(300))" + more)
    }
}
