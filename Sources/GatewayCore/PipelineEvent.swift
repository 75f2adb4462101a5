/// Something worth a log line or a metric that happened while handling one
/// request. The pipeline reports these instead of logging, which keeps it
/// free of I/O and lets tests assert on them.
public enum PipelineEvent: Sendable, Hashable {
    /// A store call failed; `operation` is claim, complete or release.
    case storeError(operation: String, reason: String)
    /// Settling found another owner: our lease expired mid-request.
    case leaseLost
    /// The upstream call failed without a response.
    case upstreamFailure(UpstreamFailure.Kind, message: String)
    /// The response was stored; its encoded body size in bytes.
    case stored(bytes: Int)
    /// The upstream call failed after the request was sent; `held` when the
    /// route's `on_ambiguous: hold` stored `outcome-unknown` for the key,
    /// false when the claim was released.
    case ambiguousOutcome(AmbiguousCause, held: Bool)
    /// The record under the key did not decode; its size in bytes.
    case recordCorrupt(bytes: Int)
    /// A shutdown settled the claim while the call ran
    /// (`LeaseKeeper.abandonAll`): the request must not settle it again,
    /// and a refusal would only be a misleading "lease lost".
    case claimAbandoned
    /// A shadow route forwarded a request `enforce` would have answered so.
    case shadow(ShadowVerdict)
    /// An async operation was started, settled or found lost
    /// (`idempotency_operations_total`).
    case operation(OperationState)
}
