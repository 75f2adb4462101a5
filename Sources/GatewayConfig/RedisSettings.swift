/// How to reach Redis, from `store.redis`.
public struct RedisSettings: Sendable, Hashable, CustomStringConvertible {
    /// Host name or IP address, without IPv6 brackets.
    public var host: String
    /// TCP port; 6379 when the URL names none.
    public var port: Int
    /// The ACL user (Redis 6+); nil authenticates as `default` or not at all.
    public var username: String?
    /// Sent with AUTH; percent-decoded from the URL. Never printed.
    public var password: String?
    /// The logical database selected with SELECT; 0 when the URL has no `/db`.
    public var database: Int
    /// The limit on one command's round trip. Short on purpose: a slow store
    /// must turn into `on_unavailable` quickly, not into a hung client.
    public var timeout: Duration
    /// Seed nodes of a Redis Cluster (`store.redis.cluster`); empty for a
    /// single server. With seeds, `host`, `port` and `database` are unused:
    /// the cluster tells where each slot lives, and it has only database 0.
    public var cluster: [RedisClusterSeed] = []
    /// `replay_cache`: how long a completed record this gateway wrote or read
    /// answers retries from memory, with no Redis round trip (zero: never).
    /// A purge made elsewhere reaches this gateway within it.
    public var replayCache: Duration = .seconds(1)

    public init(
        host: String = "127.0.0.1",
        port: Int = 6379,
        username: String? = nil,
        password: String? = nil,
        database: Int = 0,
        timeout: Duration = .milliseconds(500)
    ) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
        self.timeout = timeout
    }

    /// The URL with the password masked, safe for logs and `check` output.
    public var description: String {
        if !cluster.isEmpty {
            return "Redis Cluster (seeds \(cluster.map(\.description).joined(separator: ", "))\(password == nil ? "" : ", password ***"))"
        }
        var credentials = ""
        if username != nil || password != nil {
            credentials = (username ?? "") + (password == nil ? "" : ":***") + "@"
        }
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "redis://\(credentials)\(hostText):\(port)/\(database)"
    }
}
