import FleetModel
import OrderedCollections

/// One resource hook a sync ran (Argo CD's hook phases: PreSync, Sync, PostSync, SyncFail,
/// PostDelete), and how it ended.
public struct HookRun: Equatable, Sendable {
    public enum Status: String, Sendable, CaseIterable {
        case running = "Running", succeeded = "Succeeded", failed = "Failed"
    }

    /// `Kind namespace/name` of the object created (a generated name included).
    public var resource: String
    public var phase: String
    public var status: Status
    public var message: String?

    public init(resource: String, phase: String, status: Status, message: String? = nil) {
        self.resource = resource
        self.phase = phase
        self.status = status
        self.message = message
    }

    init(_ reader: FieldReader) throws(ProtocolError) {
        resource = try reader.string("resource")
        phase = try reader.string("phase")
        status = try reader.enumeration("status", Status.self)
        message = try reader.optionalString("message")
    }

    public var value: Value {
        var object: ValueObject = ["resource": .string(resource), "phase": .string(phase), "status": .string(status.rawValue)]
        object.setIfPresent("message", message.map(Value.string))
        return .object(object)
    }
}
