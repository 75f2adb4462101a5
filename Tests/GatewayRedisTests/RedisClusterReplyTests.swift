import Testing
@testable import GatewayRedis

/// Parsing what cluster nodes answer: redirects and `CLUSTER SLOTS`.
@Suite struct RedisClusterReplyTests {
    let node = RedisEndpoint(host: "10.0.0.9", port: 7000, password: "secret")

    @Test func movedAndAskRedirectsParse() throws {
        let moved = try #require(RedisRedirect(errorMessage: "MOVED 3999 127.0.0.1:6381", answeredBy: node))
        #expect(moved.kind == .moved && moved.slot == 3999 && moved.host == "127.0.0.1" && moved.port == 6381)
        let ask = try #require(RedisRedirect(errorMessage: "ASK 12182 10.1.2.3:7002", answeredBy: node))
        #expect(ask.kind == .ask && ask.slot == 12182 && ask.host == "10.1.2.3" && ask.port == 7002)
        // An empty announced host means the node that answered.
        #expect(RedisRedirect(errorMessage: "MOVED 1 :7005", answeredBy: node)?.host == "10.0.0.9")
    }

    @Test(arguments: ["ERR unknown command", "MOVED", "MOVED x 1.2.3.4:5", "MOVED 99999 1.2.3.4:5", "ASK 1 nohost", "NOSCRIPT No matching script"])
    func otherErrorsAreNotRedirects(message: String) {
        #expect(RedisRedirect(errorMessage: message, answeredBy: node) == nil)
    }

    @Test func clusterSlotsBuildsTheMapWithTheSeedsCredentials() throws {
        func range(_ start: Int64, _ end: Int64, _ host: String, _ port: Int64) -> RedisReply {
            .array([.integer(start), .integer(end),
                    .array([.bulk(Array(host.utf8)), .integer(port), .bulk(Array("id".utf8))]),
                    .array([.bulk(Array(host.utf8)), .integer(port + 3), .bulk(Array("replica".utf8))])])
        }
        let reply = RedisReply.array([range(0, 5460, "127.0.0.1", 7001), range(5461, 10922, "127.0.0.1", 7002),
                                      range(10923, 16383, "", 7003)])
        let map = try #require(RedisSlotMap(clusterSlots: reply, template: node))
        #expect(map.masters.map(\.port) == [7001, 7002, 7003])
        #expect(map.master(for: 0)?.port == 7001)
        #expect(map.master(for: 5461)?.port == 7002)
        #expect(map.master(for: 16383)?.host == "10.0.0.9")   // empty host: the node asked
        #expect(map.master(for: 12182)?.password == "secret")
        var moved = map
        moved.assign(12182...12182, to: RedisEndpoint(host: "127.0.0.1", port: 7001, password: "secret"))
        #expect(moved.master(for: 12182)?.port == 7001)
        #expect(moved.master(for: 12183)?.port == 7003)
    }

    @Test func malformedClusterSlotsIsRejected() {
        #expect(RedisSlotMap(clusterSlots: .array([]), template: node) == nil)
        #expect(RedisSlotMap(clusterSlots: .error("ERR This instance has cluster support disabled"), template: node) == nil)
        #expect(RedisSlotMap(clusterSlots: .array([.array([.integer(5), .integer(1)])]), template: node) == nil)
    }
}
