import Testing
@testable import GatewayCore

/// The pieces behind the admin key API: what a record's state is, how the
/// store inspects and purges, how the key is resolved, how the token and
/// the timestamp are checked and written.
@Suite struct KeySupportTests {
    let clock = ManualClock()
    let store: MemoryStore
    let key = StoreKey(rawValue: "idem:refunds:k1")
    let fingerprint = Fingerprint.compute(method: "POST", path: "/v1/refunds", query: nil, body: [])

    init() {
        store = MemoryStore(now: clock.nowFunction)
    }

    @Test func statesFollowTheRecord() {
        func state(_ record: IdempotencyRecord) -> KeyState {
            KeyInspection(bytes: record.encoded(), remaining: .seconds(1), fence: 1).state
        }
        #expect(state(.pending(PendingClaim(fingerprint: fingerprint))) == .inFlight)
        #expect(state(.completed(fingerprint: fingerprint, snapshot: Snapshot(status: 201, headers: [], body: [1]))) == .completed)
        #expect(state(.completed(fingerprint: fingerprint, snapshot: Snapshot(status: 201, headers: [], body: [], bodyKept: false))) == .notKept)
        let held = Problems.outcomeUnknown(upstream: "main", cause: .timeout).response
        #expect(state(.completed(fingerprint: fingerprint, snapshot: Snapshot(status: held.status, headers: held.headers, body: held.body)))
            == .outcomeUnknown)
        // An upstream's own 502 problem is not the gateway's outcome-unknown.
        let upstream502 = Problems.upstreamFailed(upstream: "main").response
        #expect(state(.completed(fingerprint: fingerprint, snapshot: Snapshot(status: 502, headers: upstream502.headers, body: upstream502.body)))
            == .completed)
        #expect(KeyInspection(bytes: [1, 2, 3], remaining: nil, fence: nil).state == .unreadable)
    }

    @Test func inspectReportsWithoutChanging() async throws {
        #expect(try await store.inspect(key) == nil)
        let claim = PendingClaim(fingerprint: fingerprint)
        _ = try await store.claim(key, claim, lease: .seconds(60), ttl: .seconds(3600))
        clock.advance(by: .seconds(10))
        let inspection = try #require(try await store.inspect(key))
        #expect(inspection.state == .inFlight)
        #expect(inspection.remaining == .seconds(50))
        #expect(inspection.fence == 1)
        #expect(inspection.bytes == IdempotencyRecord.pending(claim).encoded())
        #expect(try await store.inspect(key)?.remaining == .seconds(50))
    }

    @Test func purgeSparesClaimsUnlessForcedAndKeepsTheFence() async throws {
        let claim = PendingClaim(fingerprint: fingerprint)
        guard case .acquired(let first) = try await store.claim(key, claim, lease: .seconds(60), ttl: .seconds(3600)) else {
            Issue.record("first claim not acquired")
            return
        }
        #expect(try await store.purge(key, force: false) == .inFlight)
        #expect(try await store.inspect(key) != nil)
        #expect(try await store.purge(key, force: true) == .purged)
        #expect(try await store.purge(key, force: true) == .absent)
        // The purged claim's owner can no longer settle it.
        #expect(try await store.complete(key, first, snapshot: Snapshot(status: 201, headers: [], body: []), ttl: .seconds(3600)) == false)
        let next = try await store.claim(key, PendingClaim(fingerprint: fingerprint), lease: .seconds(60), ttl: .seconds(3600))
        guard case .acquired(let second) = next else {
            Issue.record("second claim not acquired")
            return
        }
        #expect(second.fence == 2)
        _ = try await store.complete(key, second, snapshot: Snapshot(status: 201, headers: [], body: []), ttl: .seconds(3600))
        #expect(try await store.purge(key, force: false) == .purged)
    }

    @Test func lookupResolvesAsTheRequestPathDoes() throws {
        var policy = IdempotencyPolicy()
        policy.scopeHeaders = ["Authorization"]
        let route = Route(name: "charges", match: RouteMatch(path: .prefix("/")), upstream: UpstreamSettings(name: "main", baseURL: "http://127.0.0.1:9"),
                          idempotency: policy)
        let parsed = try IdempotencyKey.parse("k-1").get()
        let expected = StoreKey(prefix: "idem", route: "charges", scope: ["Bearer alice"], key: parsed)
        let found = try KeyLookup.resolve(route: "charges", key: "k-1", scope: [("authorization", "Bearer alice")],
                                          routes: [route], keyPrefix: "idem").get()
        #expect(found.storeKey == expected)
        let noScope = try KeyLookup.resolve(route: "charges", key: "k-1", scope: [], routes: [route], keyPrefix: "idem").get()
        #expect(noScope.storeKey == StoreKey(prefix: "idem", route: "charges", scope: [nil], key: parsed))
        #expect(throws: KeyLookup.Failure.unknownRoute("refunds")) {
            try KeyLookup.resolve(route: "refunds", key: "k-1", scope: [], routes: [route], keyPrefix: "idem").get()
        }
        #expect(throws: KeyLookup.Failure.self) {
            try KeyLookup.resolve(route: "charges", key: "k-1", scope: [("X-Tenant", "a")], routes: [route], keyPrefix: "idem").get()
        }
    }

    @Test func bearerTokenMatchesOnlyTheExactToken() {
        let token = BearerToken("s3cret")
        #expect(token.accepts(["Bearer s3cret"]))
        #expect(token.accepts(["bearer s3cret"]))
        #expect(!token.accepts([]))
        #expect(!token.accepts(["Bearer s3cre"]))
        #expect(!token.accepts(["Bearer s3cretx"]))
        #expect(!token.accepts(["Basic s3cret"]))
        #expect(!token.accepts(["Bearer "]))
        #expect(!token.accepts(["Bearer s3cret", "Bearer s3cret"]))
    }

    @Test func timestampsAreRFC3339InUTC() {
        #expect(UTCTimestamp.rfc3339(milliseconds: 0) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.rfc3339(milliseconds: 1_796_352_060_123) == "2026-12-04T02:41:00.123Z")
        #expect(UTCTimestamp.rfc3339(milliseconds: 951_782_400_000) == "2000-02-29T00:00:00.000Z")
        #expect(UTCTimestamp.rfc3339(milliseconds: -1) == "1969-12-31T23:59:59.999Z")
    }
}
