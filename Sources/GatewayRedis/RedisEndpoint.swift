/// Where a Redis server listens and how to log in to it.
public struct RedisEndpoint: Sendable, Hashable {
    /// Host name or IP address; resolved by hiredis on every (re)connect, so
    /// a DNS change is picked up after the next connection loss.
    public var host: String
    /// TCP port, usually 6379.
    public var port: Int
    /// ACL user (Redis 6+). Nil logs in as `default` when a password is set.
    public var username: String?
    /// Sent with AUTH after every connect. Nil skips AUTH.
    public var password: String?
    /// Logical database selected after every connect; 0 needs no SELECT.
    public var database: Int

    public init(host: String = "127.0.0.1", port: Int = 6379, username: String? = nil,
                password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    /// `host:port`, for logs and error reasons. Never includes credentials.
    var address: String { "\(host):\(port)" }
}
