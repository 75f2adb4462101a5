import GatewayCore

/// Where `RedisStore` sends a request: one server (`RedisNodePool`) or a
/// Redis Cluster (`RedisClusterRouter`). The store's protocol logic is the
/// same for both; only the choice of connection differs.
protocol RedisCommandSender: Sendable {
    /// Runs `request` where its first key lives. Error replies come back as
    /// `.error`; transport failures, timeouts and shutdown as failures.
    func send(_ request: RedisRequest) async -> Result<RedisReply, StoreUnavailable>

    /// Runs a keyless command on every master (one, for a single server),
    /// e.g. `CONFIG GET`; the answers are in the order of `masters()`.
    func sendToEveryMaster(_ arguments: [[UInt8]]) async -> [(node: String, reply: Result<RedisReply, StoreUnavailable>)]

    /// Closes the connections; later calls fail. Safe to call more than once.
    func shutdown()
}
