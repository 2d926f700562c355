/// The version every binary reports (`--version`) and the spoke sends in its reports.
public enum FleetVersion {
    public static let current = "0.1.0"
}

/// The largest plan a spoke accepts in one response, and so the largest the hub publishes.
public enum PlanSizeLimit {
    public static let bytes = 64 << 20
}
