/// What a keyed request's claim becomes when its upstream call failed after
/// the request was sent: the upstream may or may not have executed it, and
/// the gateway cannot tell which (`idempotency.on_ambiguous`).
public enum AmbiguousOutcomeMode: String, Sendable, Hashable, CaseIterable {
    /// The claim is released, so a retry executes again with a larger
    /// `Idempotency-Fence`: at least once. Today's behaviour, and the default,
    /// because an upstream that deduplicates on the key or the fence loses
    /// nothing by it.
    case release
    /// A `502 outcome-unknown` is stored as the key's answer and replayed to
    /// every retry until `ttl` ends or an operator removes the key: exactly
    /// once or never.
    case hold
}
