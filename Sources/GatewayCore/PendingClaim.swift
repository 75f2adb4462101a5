/// What a claim writes to the store while its request runs upstream: the
/// request's fingerprint, so a concurrent retry with another body gets 422
/// rather than 409, and the owner token that settling checks.
public struct PendingClaim: Sendable, Hashable {
    public var fingerprint: Fingerprint
    public var token: ClaimToken

    public init(fingerprint: Fingerprint, token: ClaimToken = .random()) {
        self.fingerprint = fingerprint
        self.token = token
    }
}
