import GatewayRedis

/// Looks into the fixture's Redis, to assert what the gateway stored.
extension GatewayFixture {
    func redisClient() -> RedisCommandClient {
        RedisCommandClient(endpoint: RedisEndpoint(host: "127.0.0.1", port: redis.port, username: nil, password: nil, database: 0),
                           timeout: .seconds(2))
    }

    /// Every record key under the gateway's prefix; with `includingFences`,
    /// the fencing counters (`…:fence`) beside them too.
    func redisKeys(includingFences: Bool = false) async throws -> [String] {
        let client = redisClient()
        defer { client.shutdown() }
        guard case .array(let items) = try await client.command(["KEYS", "idem:*"]) else { return [] }
        return items.compactMap {
            guard case .bulk(let bytes) = $0 else { return nil }
            let key = String(decoding: bytes, as: UTF8.self)
            return includingFences || !key.hasSuffix(":fence") ? key : nil
        }
    }

    /// The remaining TTL of `key` in milliseconds (-1: none, -2: missing).
    func redisPTTL(_ key: String) async throws -> Int64 {
        let client = redisClient()
        defer { client.shutdown() }
        guard case .integer(let ttl) = try await client.command(["PTTL", key]) else { return -3 }
        return ttl
    }

    /// Starts counting the commands Redis runs (CONFIG RESETSTAT).
    func resetRedisCommandCounts() async throws {
        let client = redisClient()
        defer { client.shutdown() }
        _ = try await client.command(["CONFIG", "RESETSTAT"])
    }

    /// How often Redis ran each command since the last reset, by lowercase
    /// name (`get`, `evalsha`), from INFO commandstats.
    func redisCommandCounts() async throws -> [String: Int] {
        let client = redisClient()
        defer { client.shutdown() }
        return Self.commandCounts(fromInfo: try await client.command(["INFO", "commandstats"]).string ?? "")
    }

    /// Parses INFO commandstats lines such as `cmdstat_get:calls=3,usec=...`.
    static func commandCounts(fromInfo info: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in info.split(whereSeparator: \.isNewline) where line.hasPrefix("cmdstat_") {
            let name = line.dropFirst("cmdstat_".count).prefix { $0 != ":" }
            guard let calls = line.split(separator: ",").first?.split(separator: "=").last.flatMap({ Int($0) }) else { continue }
            counts[String(name)] = calls
        }
        return counts
    }
}
