import GatewayCore
import Logging
import Synchronization

/// A few connections to one Redis server, used round-robin: each worker
/// pipelines what arrives while its round trip is in flight, so two of them
/// keep the link busy without a connection per request.
final class RedisNodePool: RedisCommandSender {
    private let workers: [RedisConnectionWorker]
    private let nextWorker = Atomic<UInt>(0)
    private let endpoint: RedisEndpoint

    init(endpoint: RedisEndpoint, timeout: Duration, connections: Int, scripts: [RedisScript], logger: Logger) {
        self.endpoint = endpoint
        workers = (0..<max(1, connections)).map { index in
            var workerLogger = logger
            workerLogger[metadataKey: "redis.connection"] = "\(index)"
            return RedisConnectionWorker(endpoint: endpoint, timeout: timeout, scripts: scripts,
                                         logger: workerLogger, threadName: "redis-store-\(index)")
        }
    }

    func send(_ request: RedisRequest) async -> Result<RedisReply, StoreUnavailable> {
        let ticket = nextWorker.wrappingAdd(1, ordering: .relaxed).oldValue
        return await workers[Int(ticket % UInt(workers.count))].send(request)
    }

    func sendToEveryMaster(_ arguments: [[UInt8]]) async -> [(node: String, reply: Result<RedisReply, StoreUnavailable>)] {
        [(endpoint.address, await send(.command(arguments)))]
    }

    func shutdown() {
        for worker in workers { worker.shutdown() }
    }
}
