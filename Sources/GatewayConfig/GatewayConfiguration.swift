import GatewayCore

/// A validated gateway.yaml. Every value is checked and every default
/// applied, so the server never has to second-guess its configuration.
public struct GatewayConfiguration: Sendable {
    /// Where clients connect.
    public var listen: ListenAddress
    /// Where `/metrics`, `/healthz` and `/readyz` are served; a separate
    /// listener so it can stay on a private interface.
    public var adminListen: ListenAddress
    /// `admin.token`: the bearer token the admin key API (`/keys/...`) and
    /// `POST /reload` require. Nil: the key API answers 404 and `/reload`
    /// is open to whoever reaches the admin listener.
    public var adminToken: String?
    /// The idempotency record store.
    public var store: StoreConfiguration
    /// Body size limits.
    public var limits: LimitsConfiguration
    /// Log format and level.
    public var log: LogConfiguration
    /// Span export; nil records nothing (trace ids are still propagated).
    public var tracing: TracingConfiguration?
    /// How long in-flight requests may finish after SIGTERM before the
    /// gateway closes their connections.
    public var shutdownTimeout: Duration
    /// Every upstream by name; each value's `name` equals its key.
    public var upstreams: [String: UpstreamSettings]
    /// In file order, since the first matching route wins; each route's
    /// `upstream` is the resolved entry of `upstreams`.
    public var routes: [Route]

    public init(
        listen: ListenAddress = ListenAddress(host: "0.0.0.0", port: 8080),
        adminListen: ListenAddress = ListenAddress(host: "127.0.0.1", port: 9090),
        store: StoreConfiguration = StoreConfiguration(),
        limits: LimitsConfiguration = LimitsConfiguration(),
        log: LogConfiguration = LogConfiguration(),
        tracing: TracingConfiguration? = nil,
        shutdownTimeout: Duration = .seconds(30),
        upstreams: [String: UpstreamSettings],
        routes: [Route]
    ) {
        self.listen = listen
        self.adminListen = adminListen
        self.store = store
        self.limits = limits
        self.log = log
        self.tracing = tracing
        self.shutdownTimeout = shutdownTimeout
        self.upstreams = upstreams
        self.routes = routes
    }
}
