internal import Yams
import GatewayCore

/// The `store` section.
extension ConfigReader {
    static let storeFields = ["backend", "redis", "key_prefix", "on_unavailable"]
    static let redisFields = ["url", "cluster", "password", "timeout", "replay_cache"]
    static let backends = ["redis", "memory"]

    func store(_ map: FieldMap) -> StoreConfiguration {
        let defaults = StoreConfiguration()
        guard let node = map["store"], let store = fields(of: node, at: map.path("store"), known: Self.storeFields)
        else { return defaults }
        let backend = optional(store, "backend", default: "redis") { choice($0, at: $1, among: Self.backends) }
        // Checked even with the memory backend, so that switching back to
        // Redis does not reveal a mistake made long ago.
        let redis = redisSettings(store)
        return StoreConfiguration(
            backend: backend == "memory" ? .memory : .redis(redis),
            keyPrefix: optional(store, "key_prefix", default: defaults.keyPrefix) { keyPrefix($0, at: $1) }
                ?? defaults.keyPrefix,
            onUnavailable: optional(store, "on_unavailable", default: defaults.onUnavailable) {
                choice($0, at: $1, as: StoreUnavailableMode.self)
            } ?? defaults.onUnavailable)
    }

    private func redisSettings(_ store: FieldMap) -> RedisSettings {
        let defaults = RedisSettings()
        guard let node = store["redis"], let redis = fields(of: node, at: store.path("redis"), known: Self.redisFields)
        else { return defaults }
        let timeout = optional(redis, "timeout", default: defaults.timeout) { duration($0, at: $1) } ?? defaults.timeout
        let replayCache = optional(redis, "replay_cache", default: defaults.replayCache) { duration($0, at: $1, allowZero: true) }
            ?? defaults.replayCache
        var settings = connection(redis, defaults: defaults, timeout: timeout)
        settings.replayCache = replayCache
        return settings
    }

    private func connection(_ redis: FieldMap, defaults: RedisSettings, timeout: Duration) -> RedisSettings {
        if let clusterNode = redis["cluster"] {
            return clusterSettings(clusterNode, in: redis, timeout: timeout)
        }
        if redis.contains("password") {
            report(redis.path("password"), "only used with `cluster`; for a single server put the password in `url` "
                   + "(\(RedisURL.example))")
        }
        guard let urlNode = redis["url"] else {
            return RedisSettings(host: defaults.host, port: defaults.port, timeout: timeout)
        }
        let path = redis.path("url")
        guard let text = text(urlNode, at: path, expected: "a redis:// URL") else { return defaults }
        switch RedisURL.parse(text, timeout: timeout) {
        case .success(let settings):
            return settings
        case .failure(let error):
            report(path, error.message)
            return defaults
        }
    }

    /// `cluster: ["host:port", ...]`: seed nodes, each with an explicit port
    /// (cluster nodes rarely listen on 6379 alone, and a guess would hide a
    /// typo), and never together with `url`.
    private func clusterSettings(_ node: Node, in redis: FieldMap, timeout: Duration) -> RedisSettings {
        var settings = RedisSettings(timeout: timeout)
        let path = redis.path("cluster")
        if redis.contains("url") {
            report(redis.path("url"), "give either `url` (one server) or `cluster` (seed nodes of a Redis Cluster), not both")
        }
        let seeds = list(node, at: path) { item, itemPath -> RedisClusterSeed? in
            guard let text = text(item, at: itemPath, expected: "a seed node as host:port") else { return nil }
            switch HostPort.parse(text) {
            case .failure(let error):
                report(itemPath, error.message)
                return nil
            case .success(let parsed):
                guard let port = parsed.port, !parsed.host.isEmpty else {
                    report(itemPath, "`\(text)` needs a host and a port, e.g. `10.0.0.1:6379`")
                    return nil
                }
                return RedisClusterSeed(host: parsed.host, port: port)
            }
        }
        if let seeds, seeds.isEmpty {
            report(path, "list at least one seed node, e.g. [\"10.0.0.1:6379\"]")
        }
        settings.cluster = seeds ?? []
        if let passwordNode = redis["password"] {
            settings.password = text(passwordNode, at: redis.path("password"), expected: "a password")
        }
        return settings
    }

    /// The prefix is the first segment of every key, so it must be non-empty
    /// (keys would start with a bare separator) and free of white space
    /// (keys are easier to inspect with redis-cli without it).
    private func keyPrefix(_ node: Node, at path: FieldPath) -> String? {
        guard let text = text(node, at: path, expected: "a key prefix") else { return nil }
        guard !text.isEmpty else {
            report(path, "must not be empty")
            return nil
        }
        guard !text.unicodeScalars.contains(where: { $0.properties.isWhitespace || $0.value < 0x20 || $0.value == 0x7F })
        else {
            report(path, "\"\(text)\" must not contain spaces or control characters")
            return nil
        }
        return text
    }
}
