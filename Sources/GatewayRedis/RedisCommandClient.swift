import GatewayCore
import Logging
public import NIOCore
import NIOPosix

/// A small client for tests, tools and the admin side: any command, one
/// connection, the same connection and reconnect behaviour as `RedisStore`.
/// Error replies come back as `.error`; only transport failures throw.
public final class RedisCommandClient: Sendable {
    private let connection: RedisNode

    public init(endpoint: RedisEndpoint, timeout: Duration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        var logger = Logger(label: "gateway.redis.command-client")
        logger[metadataKey: "redis.endpoint"] = "\(endpoint.address)"
        connection = RedisNode(endpoint: endpoint, timeout: timeout, scripts: [], logger: logger, eventLoops: [group.next()])
    }

    deinit {
        shutdown()
    }

    /// Runs one command, e.g. `["PTTL", key]`. Arguments are sent as UTF-8.
    public func command(_ args: [String]) async throws(StoreUnavailable) -> RedisReply {
        try await command(bytes: args.map { Array($0.utf8) })
    }

    /// Runs one command with binary arguments.
    public func command(bytes args: [[UInt8]]) async throws(StoreUnavailable) -> RedisReply {
        try await connection.send(.command(args)).get()
    }

    /// Closes the socket; safe to call more than once.
    public func shutdown() {
        connection.shutdown()
    }
}
