import GatewayConfig
import GatewayRedis
import Logging
import NIOCore

/// The one place a `RedisStore` is made from `store.redis`, for `serve` and
/// for the `key` commands, so both reach the same Redis the same way.
enum RedisStoreFactory {
    static func make(_ settings: RedisSettings, group: any EventLoopGroup, logger: Logger) -> RedisStore {
        if settings.cluster.isEmpty {
            let endpoint = RedisEndpoint(host: settings.host, port: settings.port, username: settings.username,
                                         password: settings.password, database: settings.database)
            return RedisStore(endpoint: endpoint, timeout: settings.timeout, group: group, replayCache: settings.replayCache,
                              logger: logger)
        }
        let seeds = settings.cluster.map { RedisEndpoint(host: $0.host, port: $0.port, password: settings.password) }
        return RedisStore(clusterSeeds: seeds, timeout: settings.timeout, group: group, replayCache: settings.replayCache,
                          logger: logger)
    }
}
