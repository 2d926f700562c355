import FleetModel

/// Argo CD's sync options (`spec.syncPolicy.syncOptions` of an Application, and the
/// `argocd.argoproj.io/sync-options` annotation of an object) and compare options
/// (`argocd.argoproj.io/compare-options`), as the reconcile core reads them. An option this
/// version does not know is reported, never silently ignored.
public enum SyncOptions {
    /// Every option Argo CD documents, with the values it takes.
    public static let known: [String: Set<String>] = [
        "Validate": ["true", "false"],
        "SkipDryRunOnMissingResource": ["true", "false"],
        "Prune": ["true", "false", "confirm"],
        "Delete": ["true", "false", "confirm"],
        "PruneLast": ["true", "false"],
        "Replace": ["true", "false"],
        "Force": ["true", "false"],
        "ServerSideApply": ["true", "false"],
        "CreateNamespace": ["true", "false"],
        "FailOnSharedResource": ["true", "false"],
        "RespectIgnoreDifferences": ["true", "false"],
        "ApplyOutOfSyncOnly": ["true", "false"],
        "PrunePropagationPolicy": ["foreground", "background", "orphan"],
    ]

    /// The options of `options` that are not Argo CD sync options (or not one of their values).
    public static func unknown(_ options: Set<String>) -> [String] {
        options.filter { option in
            let parts = option.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, let values = known[parts[0]] else { return !option.isEmpty }
            return !values.contains(parts[1])
        }.sorted()
    }

    /// The compare options on a live object (`IgnoreExtraneous`, `ServerSideDiff=true`...).
    public static func compareOptions(of object: Value?) -> Set<String> {
        commaSeparated(object, "argocd.argoproj.io/compare-options")
    }

    /// A live object's sync wave (`argocd.argoproj.io/sync-wave`, 0 when absent).
    public static func wave(of object: Value?) -> Int {
        Int(object?["metadata"]?["annotations"]?["argocd.argoproj.io/sync-wave"]?.stringValue ?? "") ?? 0
    }

    /// An annotation holding a comma-separated list, as a set.
    static func commaSeparated(_ object: Value?, _ annotation: String) -> Set<String> {
        Set((object?["metadata"]?["annotations"]?[annotation]?.stringValue ?? "").split(separator: ",").map { String($0).trimmingWhitespace() })
    }

    /// Kubernetes' propagation policy for prunes (`PrunePropagationPolicy`, foreground by default).
    public static func prunePropagation(_ options: Set<String>) -> DeletePropagation {
        if options.contains("PrunePropagationPolicy=background") { return .background }
        if options.contains("PrunePropagationPolicy=orphan") { return .orphan }
        return .foreground
    }

    /// Whether an option holds for one object: set on it, or on its Application and not
    /// turned off on it (`Replace=true` on the Application, `Replace=false` on the object).
    public static func holds(_ option: String, object: Set<String>, application: Set<String>) -> Bool {
        if object.contains(option) { return true }
        guard application.contains(option), let name = option.split(separator: "=").first else { return false }
        return !object.contains { $0.hasPrefix(name + "=") }
    }

    /// `RespectIgnoreDifferences=true`: the object to apply with every ignored field as the
    /// live object has it (Argo CD uses the live values for those fields), so a sync does not
    /// undo what `ignoreDifferences` lets another controller own.
    public static func respectingIgnored(_ desired: Value, live: Value, rules: [IgnoreRule]) -> Value {
        var operations: [JSONPatchOperation] = []
        for pointer in rules.flatMap(\.jsonPointers) where !pointer.isRoot {
            if let value = live.value(at: pointer) {
                operations.append(JSONPatchOperation(kind: .replace, path: pointer, value: value))
            } else if desired.value(at: pointer) != nil {
                operations.append(JSONPatchOperation(kind: .remove, path: pointer))
            }
        }
        var out = desired
        // One at a time: a pointer whose parent the desired object lacks is left as planned.
        for operation in operations { if let patched = try? JSONPatch.apply([operation], to: out) { out = patched } }
        return out
    }
}
