import FleetModel

/// Argo CD's resource hook phases (`argocd.argoproj.io/hook`). A hook is not one of the
/// Application's resources: it is created when a sync runs, in its phase, and deleted by its
/// delete policy; it never makes the Application OutOfSync and is never pruned.
public enum HookPhase: String, Sendable, CaseIterable {
    case preSync = "PreSync", sync = "Sync", postSync = "PostSync", syncFail = "SyncFail", postDelete = "PostDelete", skip = "Skip"
}

/// `argocd.argoproj.io/hook-delete-policy` (Helm's `helm.sh/hook-delete-policy` mapped).
public enum HookDeletePolicy: String, Sendable {
    case hookSucceeded = "HookSucceeded", hookFailed = "HookFailed", beforeHookCreation = "BeforeHookCreation"
}

/// How far a hook's object has got: Jobs and Pods run to completion, an Argo Workflow to its
/// phase, anything else is done when it is healthy.
public enum HookCompletion: Equatable, Sendable {
    case running, succeeded, failed(String)

    public static func assess(_ object: Value?) -> HookCompletion {
        guard let object else { return .running }
        let status = object["status"]
        switch (object["apiVersion"]?.stringValue ?? "", object["kind"]?.stringValue ?? "") {
        case (_, "Job"):
            for condition in status?["conditions"]?.arrayValue ?? [] where condition["status"]?.stringValue == "True" {
                if condition["type"] == "Complete" { return .succeeded }
                if condition["type"] == "Failed" {
                    return .failed(condition["message"]?.stringValue ?? condition["reason"]?.stringValue ?? "job failed")
                }
            }
            return .running
        case ("v1", "Pod"):
            switch status?["phase"]?.stringValue {
            case "Succeeded": return .succeeded
            case "Failed": return .failed(status?["message"]?.stringValue ?? "pod failed")
            default: return .running
            }
        case (let apiVersion, "Workflow") where apiVersion.hasPrefix("argoproj.io/"):
            switch status?["phase"]?.stringValue {
            case "Succeeded": return .succeeded
            case "Failed", "Error": return .failed(status?["message"]?.stringValue ?? "workflow failed")
            default: return .running
            }
        default:
            let health = ResourceHealth.assess(object)
            switch health.status {
            case .healthy, .suspended: return .succeeded
            case .degraded: return .failed(health.message.isEmpty ? "degraded" : health.message)
            default: return .running
            }
        }
    }
}

extension DesiredResource {
    /// The phases this hook runs in (empty: not a hook).
    public var hookPhases: Set<HookPhase> { Set(hooks.compactMap(HookPhase.init(rawValue:))) }

    public var isHook: Bool { !hooks.isEmpty }

    /// Its delete policies; `BeforeHookCreation` when it names none (Argo CD's default).
    public var hookDeletePolicies: Set<HookDeletePolicy> {
        let annotations = object["metadata"]?["annotations"]
        var policies = Set(Self.split(annotations?["argocd.argoproj.io/hook-delete-policy"]?.stringValue).compactMap(HookDeletePolicy.init(rawValue:)))
        if annotations?["argocd.argoproj.io/hook-delete-policy"] == nil {
            for helm in Self.split(annotations?["helm.sh/hook-delete-policy"]?.stringValue) {
                switch helm {
                case "before-hook-creation": policies.insert(.beforeHookCreation)
                case "hook-succeeded": policies.insert(.hookSucceeded)
                case "hook-failed": policies.insert(.hookFailed)
                default: continue
                }
            }
        }
        return policies.isEmpty ? [.beforeHookCreation] : policies
    }

    /// `metadata.generateName` when the hook has no name: each run creates a new object.
    public var generateName: String? {
        guard object["metadata"]?["name"]?.stringValue?.isEmpty ?? true else { return nil }
        return object["metadata"]?["generateName"]?.stringValue
    }

    private static func split(_ text: String?) -> [String] {
        (text ?? "").split(separator: ",").map { String($0).trimmingWhitespace() }.filter { !$0.isEmpty }
    }
}

/// Whether a live object is a hook (never extraneous, never pruned).
public func isHookObject(_ object: Value?) -> Bool {
    let annotations = object?["metadata"]?["annotations"]
    return annotations?["argocd.argoproj.io/hook"] != nil || annotations?["helm.sh/hook"] != nil
}
