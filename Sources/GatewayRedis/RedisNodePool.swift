import GatewayCore
import Logging
import NIOCore

/// One Redis server, reached over one connection per event loop
/// (`RedisLoopClient`): each pipelines what its loop sends in a tick.
final class RedisNodePool: RedisCommandSender {
    private let client: RedisLoopClient
    private let endpoint: RedisEndpoint

    init(endpoint: RedisEndpoint, timeout: Duration, eventLoops: [any EventLoop], scripts: [RedisScript], logger: Logger) {
        self.endpoint = endpoint
        client = RedisLoopClient(endpoint: endpoint, timeout: timeout, scripts: scripts, logger: logger, eventLoops: eventLoops)
    }

    func send(_ request: RedisRequest) async -> Result<RedisReply, StoreUnavailable> {
        await client.send(request)
    }

    func sendToEveryMaster(_ arguments: [[UInt8]]) async -> [(node: String, reply: Result<RedisReply, StoreUnavailable>)] {
        [(endpoint.address, await send(.command(arguments)))]
    }

    func shutdown() {
        client.shutdown()
    }
}
