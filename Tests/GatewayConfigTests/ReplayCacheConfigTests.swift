import GatewayConfig
import Testing

/// `store.redis.replay_cache`: a duration, zero allowed (off), 1s by default;
/// like the rest of `store.redis`, a change needs a restart.
@Suite("store.redis.replay_cache")
struct ReplayCacheConfigTests {
    static func file(_ replayCache: String?) -> String {
        ConfigFixtures.minimal(with: """
            store:
              redis:
                url: "redis://127.0.0.1:6379"
            \(replayCache.map { "    replay_cache: \($0)" } ?? "")

            """)
    }

    static func setting(_ replayCache: String?) throws -> Duration? {
        guard case .redis(let settings) = try ConfigFixtures.parse(file(replayCache)).store.backend else { return nil }
        return settings.replayCache
    }

    @Test func defaultsToOneSecondAndTakesZero() throws {
        #expect(try Self.setting(nil) == .seconds(1))
        #expect(try Self.setting("250ms") == .milliseconds(250))
        #expect(try Self.setting("0s") == .zero)
    }

    @Test(arguments: ["soon", "-1s", "[1s]"])
    func aBadValueNamesTheFieldAndFile(_ value: String) {
        let problems = ConfigFixtures.problems(Self.file(value))
        #expect(problems.map(\.path) == ["store.redis.replay_cache"])
        #expect(problems.first?.file == "gateway.yaml")
    }

    @Test func aChangeNeedsARestart() throws {
        let running = try RestartFieldsTests.load(Self.file("1s"))
        let next = try RestartFieldsTests.load(Self.file("5s"))
        #expect(next.fieldsNeedingRestart(comparedTo: running) == ["store.redis"])
    }
}
