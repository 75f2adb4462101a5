/// A route's `rate_limit` block, validated: each principal (the values of
/// the `by` headers) may start `requests` requests per `per`, counted in the
/// store so every gateway sharing it enforces one limit.
public struct RateLimitPolicy: Sendable, Hashable {
    public var requests: Int
    public var per: Duration
    /// Headers whose values name the principal. None: one budget for the route.
    public var by: [String]
    public var count: RateLimitCount
    /// The rate as the store applies it.
    public let rate: GCRA

    public init(requests: Int, per: Duration, by: [String] = [], count: RateLimitCount = .keyed) {
        self.requests = requests
        self.per = per
        self.by = by
        self.count = count
        self.rate = GCRA(requests: requests, per: per)
    }

    /// The budget `request` spends from on `route`. A header the request
    /// lacks is `nil`, not empty: every request without it shares one
    /// budget, apart from one that sends it empty.
    public func bucket(for request: GatewayRequest, route: String, prefix: String) -> RateLimitKey {
        RateLimitKey(prefix: prefix, route: route, principal: by.map { name in
            let values = request.headers.values(named: name)
            return values.isEmpty ? nil : values.joined(separator: ", ")
        })
    }
}
