/// The version every binary reports (`--version`) and the spoke sends in its reports.
public enum FleetVersion {
    public static let current = "0.1.0"
}
