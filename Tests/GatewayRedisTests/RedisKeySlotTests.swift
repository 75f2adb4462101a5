import Testing
@testable import GatewayRedis

/// The slot function must agree with Redis bit for bit: these are the
/// vectors of the Redis Cluster specification and of `CLUSTER KEYSLOT`.
@Suite struct RedisKeySlotTests {
    @Test func crc16MatchesTheSpecificationsCheckValue() {
        #expect(RedisKeySlot.crc16(Array("123456789".utf8)) == 0x31C3)
        #expect(RedisKeySlot.crc16([UInt8]()) == 0)
    }

    /// Values from `redis-cli CLUSTER KEYSLOT <key>` on Redis 7.
    @Test(arguments: [
        ("foo", 12182), ("bar", 5061), ("hello", 866), ("123456789", 12739),
        ("somekey", 11058), ("{user1000}.following", 3443), ("{user1000}.followers", 3443),
    ])
    func knownSlots(key: String, slot: Int) {
        #expect(RedisKeySlot.slot(of: key) == slot)
    }

    @Test func hashTagsFollowTheFirstBraceRule() {
        func part(_ key: String) -> String { String(decoding: RedisKeySlot.hashedPart(of: Array(key.utf8)), as: UTF8.self) }
        #expect(part("{user1000}.following") == "user1000")
        #expect(part("foo{}{bar}") == "foo{}{bar}")      // empty first tag: the whole key
        #expect(part("foo{{bar}}zap") == "{bar")         // from the first `{` to the first `}` after it
        #expect(part("foo{bar}{zap}") == "bar")          // only the first tag counts
        #expect(part("foo{bar") == "foo{bar")            // no closing brace: the whole key
        #expect(part("nobraces") == "nobraces")
        #expect(RedisKeySlot.slot(of: "foo{bar}{zap}") == RedisKeySlot.slot(of: "bar"))
    }

    @Test func aRecordAndItsFenceShareASlot() {
        let record = "idem:charges:{4f2a9c0d}"
        #expect(RedisKeySlot.slot(of: record) == RedisKeySlot.slot(of: record + ":fence"))
        #expect(RedisKeySlot.slot(of: record) == RedisKeySlot.slot(of: "4f2a9c0d"))
    }

    @Test func slotsStayInRange() {
        for index in 0..<2000 {
            #expect((0..<16384).contains(RedisKeySlot.slot(of: "key-\(index)")))
        }
    }
}
