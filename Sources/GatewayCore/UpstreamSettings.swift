/// One entry of `upstreams`, validated.
public struct UpstreamSettings: Sendable, Hashable {
    public var name: String
    /// The base URL without a trailing slash; may carry a base path.
    public var baseURL: String
    /// The whole exchange; past it the client gets 504.
    public var timeout: Duration = .seconds(30)
    /// Establishing the connection; past it the client gets 502.
    public var connectTimeout: Duration = .seconds(2)
    /// Fails fast while the upstream is failing (`circuit_breaker`).
    public var circuitBreaker: CircuitBreakerSettings = CircuitBreakerSettings()
    /// Most concurrent calls to this upstream; past it 503 at once
    /// (`max_in_flight`). Bounds what retry storms can pile onto it.
    public var maxInFlight: Int = 1024

    public init(name: String, baseURL: String, timeout: Duration = .seconds(30), connectTimeout: Duration = .seconds(2)) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = timeout
        self.connectTimeout = connectTimeout
    }
}
