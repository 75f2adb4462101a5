/// `store.on_unavailable`: what a keyed request does when the store is down.
public enum StoreUnavailableMode: String, Sendable, Hashable, CaseIterable {
    /// 503 with Retry-After; nothing is forwarded. Safe: no double execution.
    case reject
    /// Forward without protection. Available, at the price of the guarantee.
    case passThrough = "pass_through"
}
