import GatewayTestSupport
import Testing
@testable import GatewayCore

/// At the end of a shutdown that timed out, every claim still running is
/// settled: released, or on a `hold` route stored as `outcome-unknown`.
@Suite struct LeaseKeeperAbandonTests {
    private let clock = ManualClock()

    private func key(_ name: String) -> StoreKey {
        StoreKey(prefix: "idem", route: "charges", scope: [], key: try! IdempotencyKey.parse(name).get())
    }

    private func fingerprint(_ name: String) -> Fingerprint {
        Fingerprint.compute(method: "POST", path: "/v1/\(name)", query: nil, body: [])
    }

    private func claimed(_ store: MemoryStore, _ name: String) async throws -> PendingClaim {
        guard case .acquired(let owned) = try await store.claim(key(name), PendingClaim(fingerprint: fingerprint(name)),
                                                                lease: .seconds(30), ttl: .seconds(600)) else {
            Issue.record("the key \(name) was not free")
            return PendingClaim(fingerprint: fingerprint(name))
        }
        return owned
    }

    @Test func releasedAndHeldClaimsAreSettledAndNoLongerRenewed() async throws {
        let store = MemoryStore(now: clock.nowFunction)
        let keeper = LeaseKeeper(store: store, now: clock.nowFunction, sleep: { _ in try? await Task.sleep(for: .seconds(3600)) })
        let releasedTicket = keeper.keep(key("plain"), try await claimed(store, "plain"), lease: .seconds(30), ttl: .seconds(600))
        let heldTicket = keeper.keep(key("held"), try await claimed(store, "held"), lease: .seconds(30), ttl: .seconds(600),
                                     holdingFor: "payments")

        let abandoned = await keeper.abandonAll()
        #expect(Set(abandoned) == [
            LeaseKeeper.Abandoned(key: key("plain"), held: false, settled: true),
            LeaseKeeper.Abandoned(key: key("held"), held: true, settled: true),
        ])
        // The released key is free at once: a retry claims it with the next fence.
        let retry = try await store.claim(key("plain"), PendingClaim(fingerprint: fingerprint("plain")), lease: .seconds(30), ttl: .seconds(600))
        guard case .acquired(let next) = retry else {
            Issue.record("the released key was not free: \(retry)")
            return
        }
        #expect(next.fence == 2)
        // The held key answers outcome-unknown (cause shutdown) for its ttl.
        let replay = try await store.claim(key("held"), PendingClaim(fingerprint: fingerprint("held")), lease: .seconds(30), ttl: .seconds(600))
        guard case .completed(let snapshot) = replay else {
            Issue.record("the held key has no stored answer: \(replay)")
            return
        }
        #expect(snapshot.status == 502)
        let body = String(decoding: snapshot.body, as: UTF8.self)
        #expect(body.contains("outcome-unknown"))
        #expect(body.contains(#""cause":"shutdown""#))

        // A second abandon finds nothing left to settle; the requests still
        // unregister as usual.
        #expect(await keeper.abandonAll().isEmpty)
        #expect(keeper.release(releasedTicket) == [.claimAbandoned])
        #expect(keeper.release(heldTicket) == [.claimAbandoned])
        #expect(keeper.count == 0)
    }

    @Test func aRequestWhoseClaimWasAbandonedDoesNotSettleItAgain() async throws {
        let transport = FakeTransport(suspended: true)
        let fixture = PipelineFixture(transport: transport)
        let first = Task { await fixture.handle(charge()) }
        #expect(await transport.waitForCalls(1))
        let abandoned = await fixture.pipeline.abandonHeldClaims()
        #expect(abandoned == [LeaseKeeper.Abandoned(key: fixture.storeKey("key-1"), held: false, settled: true)])
        #expect(await fixture.store.record(for: fixture.storeKey("key-1")) == nil)

        transport.resume()
        let result = await first.value
        #expect(result.response.status == 201)
        #expect(result.events == [.claimAbandoned])
        #expect(await fixture.store.record(for: fixture.storeKey("key-1")) == nil)
    }
}
