import FleetModel
import FleetTemplate

/// What an ApplicationSet may do to the Applications it generated before
/// (`spec.syncPolicy.applicationsSync`, or the controller's `--policy`): Argo CD's
/// `create-only` never updates nor deletes one, `create-update` never deletes, `create-delete`
/// never updates, `sync` (the default) does all three. "Deletion" is an Application the
/// generators no longer produce; removing the ApplicationSet itself removes its Applications
/// whatever the policy, as Argo CD's owner references do.
public enum ApplicationsSyncPolicy: String, Sendable, CaseIterable {
    case createOnly = "create-only"
    case createUpdate = "create-update"
    case createDelete = "create-delete"
    case sync

    public var allowsUpdate: Bool { self == .createUpdate || self == .sync }
    public var allowsDelete: Bool { self == .createDelete || self == .sync }

    /// The policy declared in an ApplicationSet document; nil when none is. An unknown value is
    /// an error, as the ApplicationSet CRD's enum makes it.
    public static func declared(in appSet: Value) throws(TemplateError) -> ApplicationsSyncPolicy? {
        guard let value = appSet["spec"]?["syncPolicy"]?["applicationsSync"], !value.isNull else { return nil }
        guard case .string(let text) = value, let policy = ApplicationsSyncPolicy(rawValue: text) else {
            let supported = allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw TemplateError("spec.syncPolicy.applicationsSync: Unsupported value: \(JSON.encode(value)): supported values: \(supported)")
        }
        return policy
    }

    /// Argo CD's `DefaultPolicy`: the ApplicationSet's own policy counts only when the
    /// controller allows overrides (`--enable-policy-override`); otherwise the controller's.
    public static func effective(declared: ApplicationsSyncPolicy?, controller: ApplicationsSyncPolicy, allowOverride: Bool) -> ApplicationsSyncPolicy {
        guard allowOverride, let declared else { return controller }
        return declared
    }

    /// The Applications the ApplicationSet has after this generation, given those it had
    /// (`existing`): new names are created; a name it had keeps its old Application unless
    /// updates are allowed; a name no longer generated stays unless deletes are allowed
    /// (after the generated ones, in the order it had them).
    public func reconcile(generated: [Value], existing: [Value]) -> [Value] {
        if self == .sync { return generated }
        func name(_ app: Value) -> String { app["metadata"]?["name"]?.stringValue ?? "" }
        var had: [String: Value] = [:]
        for app in existing { had[name(app)] = app }
        var out: [Value] = []
        var kept = Set<String>()
        for app in generated {
            let appName = name(app)
            kept.insert(appName)
            out.append(allowsUpdate ? app : had[appName] ?? app)
        }
        if !allowsDelete {
            for app in existing where !kept.contains(name(app)) { out.append(app) }
        }
        return out
    }
}
