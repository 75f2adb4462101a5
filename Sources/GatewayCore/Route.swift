/// One entry of `routes`, validated and bound to its upstream.
public struct Route: Sendable, Hashable {
    public var name: String
    public var match: RouteMatch
    public var upstream: UpstreamSettings
    /// Nil: plain pass-through.
    public var idempotency: IdempotencyPolicy?
    /// Nil: no per-principal limit.
    public var rateLimit: RateLimitPolicy?

    public init(name: String, match: RouteMatch, upstream: UpstreamSettings, idempotency: IdempotencyPolicy?,
                rateLimit: RateLimitPolicy? = nil) {
        self.name = name
        self.match = match
        self.upstream = upstream
        self.idempotency = idempotency
        self.rateLimit = rateLimit
    }
}
