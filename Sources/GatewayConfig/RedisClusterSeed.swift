/// One seed node of `store.redis.cluster`. Any reachable seed is enough to
/// learn the whole cluster, so a list of two or three survives the loss of
/// a node at start-up.
public struct RedisClusterSeed: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
