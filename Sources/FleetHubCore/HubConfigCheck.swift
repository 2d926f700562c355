import FleetModel
import FleetYAML
import Foundation

/// Every problem of a configuration file at once, so a hub set up from the production example
/// is fixed in one pass rather than one restart per missing secret file.
public struct HubConfigErrors: Error, CustomStringConvertible, Sendable {
    public var file: String
    public var problems: [HubConfigError]

    public var description: String {
        guard problems.count > 1 else { return problems.first?.description ?? "\(file): no problem" }
        return "\(file): \(problems.count) problems\n" + problems.map { "  " + ($0.key.isEmpty ? $0.reason : "\($0.key): \($0.reason)") }.joined(separator: "\n")
    }
}

extension HubConfig {
    /// Reads a configuration, collecting every problem: after each one, the key at fault is set
    /// aside and the rest read again (at most 50 rounds). Throws `HubConfigErrors` when any.
    public static func loadReportingAll(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> HubConfig {
        let (value, base) = try document(path: path)
        var remaining = value
        var problems: [HubConfigError] = []
        for _ in 0..<50 {
            do {
                let config = try HubConfig(remaining, file: path, environment: environment, baseDirectory: base)
                guard problems.isEmpty else { break }
                return config
            } catch let error as HubConfigError {
                problems.append(error)
                guard let reduced = Self.removing(error.key, from: remaining), reduced != remaining else { break }
                remaining = reduced
            }
        }
        throw HubConfigErrors(file: path, problems: problems)
    }

    /// `value` without the field `key` names (`webhook.secretFile`, `credentials[0].passwordFile`),
    /// or without its parent when the field itself is absent; nil when neither is there.
    static func removing(_ key: String, from value: Value) -> Value? {
        var segments: [(name: String, index: Int?)] = []
        for part in key.split(separator: ".") {
            if let open = part.firstIndex(of: "["), part.hasSuffix("]"), let index = Int(part[part.index(after: open)..<part.index(before: part.endIndex)]) {
                segments.append((String(part[..<open]), index))
            } else {
                segments.append((String(part), nil))
            }
        }
        while !segments.isEmpty {
            if let reduced = remove(segments[...], from: value) { return reduced }
            segments.removeLast()
        }
        return nil
    }

    private static func remove(_ path: ArraySlice<(name: String, index: Int?)>, from value: Value) -> Value? {
        guard let first = path.first, case .object(var object) = value, let member = object[first.name] else { return nil }
        let rest = path.dropFirst()
        if let index = first.index {
            guard case .array(var items) = member, items.indices.contains(index) else { return nil }
            if rest.isEmpty { items.remove(at: index) } else {
                guard let reduced = remove(rest, from: items[index]) else { return nil }
                items[index] = reduced
            }
            object[first.name] = .array(items)
        } else if rest.isEmpty {
            object[first.name] = nil
        } else {
            guard let reduced = remove(rest, from: member) else { return nil }
            object[first.name] = reduced
        }
        return .object(object)
    }
}
