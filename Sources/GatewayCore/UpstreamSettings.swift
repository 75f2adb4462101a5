/// One entry of `upstreams`, validated.
public struct UpstreamSettings: Sendable, Hashable {
    /// `connect_timeout` when none is given, capped at `timeout`.
    public static let defaultConnectTimeout: Duration = .seconds(2)
    /// `idle_timeout` when none is given: under the shortest keep-alive
    /// timeout common servers default to (gunicorn's 2 s; Node's 5 s), so a
    /// pooled connection is dropped here before the upstream drops it.
    public static let defaultIdleTimeout: Duration = .seconds(1)

    public var name: String
    /// The base URL without a trailing slash; may carry a base path.
    public var baseURL: String
    /// The whole exchange; past it the client gets 504.
    public var timeout: Duration = .seconds(30)
    /// Establishing the connection; past it the client gets 502.
    public var connectTimeout: Duration = defaultConnectTimeout
    /// Pooled connections idle this long are not reused (`idle_timeout`).
    /// libcurl counts idle time in whole seconds, so this is too.
    public var idleTimeout: Duration = defaultIdleTimeout
    /// Fails fast while the upstream is failing (`circuit_breaker`).
    public var circuitBreaker: CircuitBreakerSettings = CircuitBreakerSettings()
    /// Most concurrent calls to this upstream; past it 503 at once
    /// (`max_in_flight`). Bounds what retry storms can pile onto it.
    public var maxInFlight: Int = 1024

    /// Without a `connectTimeout`, the default is used, or `timeout` if that
    /// is shorter: a connect phase cannot outlast the whole exchange.
    public init(name: String, baseURL: String, timeout: Duration = .seconds(30), connectTimeout: Duration? = nil) {
        self.name = name
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.timeout = timeout
        self.connectTimeout = connectTimeout ?? min(Self.defaultConnectTimeout, timeout)
    }
}
