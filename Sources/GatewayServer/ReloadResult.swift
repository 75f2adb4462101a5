/// The `result` label of `config_reload_total`: how one reload ended.
public enum ReloadResult: String, Sendable, CaseIterable {
    /// The new routes, upstreams and policies serve new requests.
    case applied
    /// The file has problems; the running configuration is unchanged.
    case invalid
    /// The file changes something only a restart applies; nothing changed.
    case restartNeeded = "restart_needed"
}
