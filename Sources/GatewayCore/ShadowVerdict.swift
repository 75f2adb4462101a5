/// What an enforcing route would have answered to a request that a shadow
/// route forwarded instead: the `would` label of `idempotency_shadow_total`.
public enum ShadowVerdict: String, Sendable, Hashable, CaseIterable {
    /// A completed record: the stored response would have been replayed.
    case replay
    /// The key was in flight: 409 (or a wait, under `on_conflict: wait`).
    case conflict
    /// The key was first used with another request: 422.
    case mismatch
    /// No key on a `required: true` route: 400.
    case missingKey = "missing_key"
    /// A key that is too long, not visible ASCII, or sent twice: 400.
    case invalidKey = "invalid_key"

    /// The verdict for a request the admit phase refused, if shadow mode
    /// forwards it.
    init?(refusal outcome: RequestOutcome) {
        switch outcome {
        case .missingKey: self = .missingKey
        case .invalidKey: self = .invalidKey
        default: return nil
        }
    }
}
