import GatewayCore

/// The connections to one Redis node, as the node pool and the cluster
/// router use them.
protocol RedisNodeConnection: Sendable {
    /// Runs `request`. Error replies come back as `.error`; transport
    /// failures, timeouts and shutdown as failures.
    func send(_ request: RedisRequest) async -> Result<RedisReply, StoreUnavailable>

    /// Fails pending and later calls; safe to call more than once.
    func shutdown()
}
