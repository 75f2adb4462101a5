import GatewayCore
import Testing

@testable import GatewayConfig

@Suite("idempotency.key_json and idempotency.fingerprint")
struct BodyKeyConfigTests {
    private func policy(_ idempotency: String) throws -> IdempotencyPolicy {
        let config = try ConfigFixtures.parse(ConfigFixtures.route(idempotency: idempotency))
        return try #require(config.routes.first?.idempotency)
    }

    private func problems(_ idempotency: String) -> [ConfigurationProblem] {
        ConfigFixtures.problems(ConfigFixtures.route(idempotency: idempotency))
    }

    @Test func defaultsAreTheHeaderAndARawFingerprint() throws {
        let defaults = try policy("{}")
        #expect(defaults.keyJSON == nil)
        #expect(defaults.fingerprint == BodyFingerprint(body: .raw, ignore: []))
    }

    @Test func keyJSONParsesAnEscapedPointer() throws {
        #expect(try policy(#"key_json: "/message/messageId""#).keyJSON?.tokens == ["message", "messageId"])
        #expect(try policy(#"key_json: "/a~1b~0c""#).keyJSON?.tokens == ["a/b~c"])
    }

    @Test(arguments: [
        (#"key_json: "id""#, "a JSON pointer is empty or starts with `/`"),
        (#"key_json: "/a~2""#, "`~` at position 2 must be followed by 0"),
    ])
    func aBadPointerNamesTheFieldAndTheFile(yaml: String, message: String) {
        let found = problems(yaml)
        #expect(found.count == 1)
        #expect(found.first?.file == "gateway.yaml")
        #expect(found.first?.path == "routes[0].idempotency.key_json")
        #expect(found.first?.message.contains("is not an RFC 6901 JSON pointer") == true)
        #expect(found.first?.message.contains(message) == true)
    }

    @Test func headerAndKeyJSONTogetherAreRefused() {
        let found = problems(#"{ header: X-Key, key_json: "/id" }"#)
        #expect(found.map(\.path) == ["routes[0].idempotency.key_json"])
    }

    @Test func fingerprintJSONWithIgnore() throws {
        let parsed = try policy(#"fingerprint: { body: json, ignore: ["/request", "/data/object/~1x"] }"#).fingerprint
        #expect(parsed.body == .json)
        #expect(parsed.ignore.map(\.tokens) == [["request"], ["data", "object", "/x"]])
    }

    @Test func fingerprintProblemsNameTheirField() {
        #expect(problems("fingerprint: { body: jsn }").map(\.path) == ["routes[0].idempotency.fingerprint.body"])
        #expect(problems(#"fingerprint: { body: json, ignore: ["/ok", "bad"] }"#).map(\.path)
                == ["routes[0].idempotency.fingerprint.ignore[1]"])
        #expect(problems(#"fingerprint: { body: json, ignore: [""] }"#).map(\.path)
                == ["routes[0].idempotency.fingerprint.ignore[0]"])
        #expect(problems(#"fingerprint: { ignore: ["/a"] }"#).map(\.path) == ["routes[0].idempotency.fingerprint.ignore"])
        #expect(problems("fingerprint: { body: json, ignroe: [] }").map(\.path) == ["routes[0].idempotency.fingerprint.ignroe"])
    }
}
