/// What a claim writes to the store while its request runs upstream: the
/// request's fingerprint, so a concurrent retry with another body gets 422
/// rather than 409, and the owner token that settling and renewal check.
public struct PendingClaim: Sendable, Hashable {
    public var fingerprint: Fingerprint
    public var token: ClaimToken
    /// The fencing number the store handed out with this claim; 0 until the
    /// claim is acquired. It grows by one for every new claim of the same
    /// key, so an upstream that sees `Idempotency-Fence` go backwards knows a
    /// stale owner is talking. Kept beside the record, not in it: the record
    /// is compared byte for byte and must not depend on the counter.
    public var fence: UInt64
    /// Set on routes with `async`: the operation this claim becomes if the
    /// upstream is slower than `after`. Written with the claim, so a retry
    /// that finds the key in flight can answer with the same `Location`.
    public var operation: OperationID?

    public init(fingerprint: Fingerprint, token: ClaimToken = .random(), fence: UInt64 = 0, operation: OperationID? = nil) {
        self.fingerprint = fingerprint
        self.token = token
        self.fence = fence
        self.operation = operation
    }

    /// True when `other` is this claim, whatever fence either carries: the
    /// owner is the token, and the fingerprint guards against a token reused
    /// for another request.
    public func isSameClaim(as other: PendingClaim) -> Bool {
        token == other.token && fingerprint == other.fingerprint
    }

    /// This claim as acquired with `fence`.
    public func fenced(_ fence: UInt64) -> PendingClaim {
        var copy = self
        copy.fence = fence
        return copy
    }
}
