import GatewayCore
import Testing
@testable import GatewayRedis

/// The replay cache's clock and bounds, on a clock the test moves.
@Suite struct RedisCompletedKeysTests {
    private let start = ContinuousClock.now
    private func key(_ name: String) -> StoreKey { StoreKey(rawValue: "idem:test:\(name)") }
    private let fingerprint = Fingerprint(bytes: Array(repeating: 7, count: 32))
    private func snapshot(bodyBytes: Int) -> Snapshot {
        Snapshot(status: 201, headers: [HeaderField(name: "Content-Type", value: "application/json")],
                 body: Array(repeating: 0x61, count: bodyBytes))
    }

    @Test func aRecordAnswersForTheWindowThenOnlyItsKeyIsKnown() {
        let keys = RedisCompletedKeys(replayFor: .seconds(2))
        let record = snapshot(bodyBytes: 10)
        keys.remember(key("a"), until: start + .seconds(60), record: (fingerprint, record), at: start)
        #expect(keys.lookup(key("a"), at: start + .seconds(1)) == .record(fingerprint, record))
        #expect(keys.lookup(key("a"), at: start + .seconds(3)) == .completed)
        #expect(keys.lookup(key("a"), at: start + .seconds(61)) == nil)
        #expect(keys.lookup(key("b"), at: start) == nil)
    }

    @Test func theWindowNeverOutlivesTheRecord() {
        let keys = RedisCompletedKeys(replayFor: .seconds(60))
        keys.remember(key("a"), until: start + .seconds(1), record: (fingerprint, snapshot(bodyBytes: 10)), at: start)
        #expect(keys.lookup(key("a"), at: start + .milliseconds(999)) != nil)
        #expect(keys.lookup(key("a"), at: start + .milliseconds(1001)) == nil)
    }

    @Test func zeroCachesNothing() {
        let keys = RedisCompletedKeys(replayFor: .zero)
        keys.remember(key("a"), until: start + .seconds(60), record: (fingerprint, snapshot(bodyBytes: 10)), at: start)
        #expect(keys.lookup(key("a"), at: start) == .completed)
        #expect(keys.cachedBytes == 0)
    }

    @Test func largeResponsesAreNotCachedAndTheByteBudgetHolds() {
        let keys = RedisCompletedKeys(replayFor: .seconds(10), maxBytes: 64 * 1024)
        keys.remember(key("big"), until: start + .seconds(60), record: (fingerprint, snapshot(bodyBytes: 2000)), at: start)
        #expect(keys.lookup(key("big"), at: start) == .completed)
        for index in 0..<200 {
            keys.remember(key("k\(index)"), until: start + .seconds(60), record: (fingerprint, snapshot(bodyBytes: 500)), at: start)
            #expect(keys.cachedBytes <= 64 * 1024)
        }
        // Dropping cached responses keeps the keys known.
        #expect(keys.lookup(key("k0"), at: start) == .completed)
        #expect(keys.lookup(key("k199"), at: start) == .record(fingerprint, snapshot(bodyBytes: 500)))
    }

    @Test func forgettingReleasesTheBytes() {
        let keys = RedisCompletedKeys(replayFor: .seconds(10))
        keys.remember(key("a"), until: start + .seconds(60), record: (fingerprint, snapshot(bodyBytes: 100)), at: start)
        #expect(keys.cachedBytes > 100)
        keys.forget(key("a"))
        #expect(keys.cachedBytes == 0)
        #expect(keys.lookup(key("a"), at: start) == nil)
    }
}
