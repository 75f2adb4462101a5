import GatewayCore

/// The `limits` section: what one client may cost the gateway in memory,
/// connections and time. The timeouts and their defaults follow nginx's
/// (`client_header_timeout`, `client_body_timeout`, `keepalive_timeout`,
/// `send_timeout`), so a gateway put where nginx was behaves the same to
/// slow clients.
public struct LimitsConfiguration: Sendable, Equatable {
    /// A larger request body gets 413 before anything is claimed or forwarded.
    public var maxRequestBody: ByteSize
    /// A larger response is passed to the client but not stored, and its claim
    /// is released, so one huge response cannot fill the store.
    public var maxStoredBody: ByteSize
    /// How long a request head may take to arrive, from its first byte.
    public var clientHeaderTimeout: Duration
    /// How long the gateway waits between two reads of a request body.
    public var clientBodyTimeout: Duration
    /// How long a connection may sit idle between requests.
    public var keepaliveTimeout: Duration
    /// How long a client may leave a response unread before it is cut off.
    public var sendTimeout: Duration
    /// Open client connections at most; more are accepted and closed at once.
    public var maxConnections: Int
    /// The request line and header fields together, in bytes on the wire.
    public var maxHeaderBytes: ByteSize

    public init(maxRequestBody: ByteSize = ByteSize(bytes: 1 << 20), maxStoredBody: ByteSize = ByteSize(bytes: 1 << 20),
                clientHeaderTimeout: Duration = .seconds(60), clientBodyTimeout: Duration = .seconds(60),
                keepaliveTimeout: Duration = .seconds(75), sendTimeout: Duration = .seconds(60),
                maxConnections: Int = 1024, maxHeaderBytes: ByteSize = ByteSize(bytes: 32 << 10)) {
        self.maxRequestBody = maxRequestBody
        self.maxStoredBody = maxStoredBody
        self.clientHeaderTimeout = clientHeaderTimeout
        self.clientBodyTimeout = clientBodyTimeout
        self.keepaliveTimeout = keepaliveTimeout
        self.sendTimeout = sendTimeout
        self.maxConnections = maxConnections
        self.maxHeaderBytes = maxHeaderBytes
    }
}
