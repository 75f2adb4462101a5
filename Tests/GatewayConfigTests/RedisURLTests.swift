import Testing

@testable import GatewayConfig

@Suite("store.redis.url")
struct RedisURLTests {
    private func settings(_ url: String) -> Result<RedisSettings, ValueError> {
        RedisURL.parse(url, timeout: .milliseconds(500))
    }

    private func message(_ url: String) -> String? {
        guard case .failure(let error) = settings(url) else { return nil }
        return error.message
    }

    @Test func hostAlone() {
        #expect(settings("redis://cache") == .success(RedisSettings(host: "cache", port: 6379)))
    }

    @Test func hostPortAndDatabase() {
        #expect(settings("redis://10.0.0.5:6380/3") == .success(RedisSettings(host: "10.0.0.5", port: 6380, database: 3)))
        #expect(settings("redis://10.0.0.5/") == .success(RedisSettings(host: "10.0.0.5")))
    }

    @Test func passwordOnly() {
        #expect(settings("redis://:secret@cache:6379") == .success(RedisSettings(host: "cache", password: "secret")))
    }

    @Test func userAndPercentEncodedPassword() {
        #expect(settings("redis://app:p%40ss%2Fw0rd@cache")
            == .success(RedisSettings(host: "cache", username: "app", password: "p@ss/w0rd")))
    }

    @Test func unencodedAtSignInPasswordStillWorks() {
        #expect(settings("redis://:p@ss@cache") == .success(RedisSettings(host: "cache", password: "p@ss")))
    }

    @Test func ipv6Host() {
        #expect(settings("redis://[::1]:6380/1") == .success(RedisSettings(host: "::1", port: 6380, database: 1)))
        #expect(settings("redis://[::1]") == .success(RedisSettings(host: "::1")))
    }

    @Test func badSchemes() {
        #expect(message("rediss://cache:6379")?.contains("`rediss://`) is not supported") == true)
        #expect(message("http://cache:6379")?.contains("unsupported scheme `http://`") == true)
        #expect(message("cache:6379")?.contains("expected a URL like") == true)
    }

    @Test func badPortsAndDatabases() {
        #expect(message("redis://cache:70000") == "`70000` is not a port number (0-65535)")
        #expect(message("redis://cache:abc") == "`abc` is not a port number (0-65535)")
        #expect(message("redis://cache:0") == "port 0 is not a Redis port")
        #expect(message("redis://cache/x") == "`/x` is not a database number; write e.g. `/0`")
        #expect(message("redis://:6379") == "the URL has no host (redis://[[user]:password@]host[:port][/db])")
    }

    @Test func messagesNeverQuoteThePassword() {
        let text = message("redis://user:topsecret@cache:99999") ?? ""
        #expect(!text.contains("topsecret"))
        let missingColon = message("redis://topsecret@cache") ?? ""
        #expect(!missingColon.contains("topsecret"))
        #expect(!RedisSettings(host: "h", password: "topsecret").description.contains("topsecret"))
    }

    @Test func badURLInAFileNamesTheField() {
        let problems = ConfigFixtures.problems(ConfigFixtures.minimal(with: """
            store:
              redis: {url: "rediss://cache:6379", timeout: 0ms}

            """))
        #expect(problems.map(\.path) == ["store.redis.timeout", "store.redis.url"])
    }
}
