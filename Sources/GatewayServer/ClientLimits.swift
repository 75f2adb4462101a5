import NIOCore

/// What one client connection may cost: the `limits` of gateway.yaml that
/// the connection handler and the listener enforce (see `LimitsConfiguration`
/// for each one's meaning and default).
public struct ClientLimits: Sendable {
    public var headerTimeout: Duration
    public var bodyTimeout: Duration
    public var keepaliveTimeout: Duration
    public var sendTimeout: Duration
    public var maxConnections: Int
    public var maxHeaderBytes: Int

    public init(headerTimeout: Duration = .seconds(60), bodyTimeout: Duration = .seconds(60),
                keepaliveTimeout: Duration = .seconds(75), sendTimeout: Duration = .seconds(60),
                maxConnections: Int = 1024, maxHeaderBytes: Int = 32 << 10) {
        self.headerTimeout = headerTimeout
        self.bodyTimeout = bodyTimeout
        self.keepaliveTimeout = keepaliveTimeout
        self.sendTimeout = sendTimeout
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
    }

    /// The shortest timeout: the connection's one timer never sleeps longer,
    /// so no later transition ever needs to move it earlier (see
    /// `ProxyHTTPHandler.armTimer`).
    var shortestTimeout: TimeAmount {
        TimeAmount(min(min(headerTimeout, bodyTimeout), min(keepaliveTimeout, sendTimeout)))
    }
}
