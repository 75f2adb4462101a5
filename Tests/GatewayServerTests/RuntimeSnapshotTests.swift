import GatewayCore
import GatewayTestSupport
import NIOCore
import Testing

@testable import GatewayServer

/// A published snapshot serves the next request, on a new connection or a
/// kept-alive one, while a request already running finishes on its own.
@Suite("Runtime snapshots")
struct RuntimeSnapshotTests {
    static func snapshot(generation: Int, base: String, transport: FakeTransport, metrics: GatewayMetrics) -> RuntimeSnapshot {
        let upstream = UpstreamSettings(name: "other", baseURL: base)
        return RuntimeSnapshot(
            generation: generation,
            routes: RouteTable([Route(name: "moved", match: RouteMatch(path: .prefix("/v1")), upstream: upstream, idempotency: nil)]),
            pipeline: RequestPipeline(store: MemoryStore(), transport: transport), metrics: metrics)
    }

    @Test func aKeptAliveConnectionTakesTheNewSnapshotForItsNextRequestOnly() throws {
        let fixture = try HandlerFixture(transport: FakeTransport(status: 200, body: "old", suspended: true))
        try fixture.send(HandlerFixture.post("/v1/a"))
        fixture.settle()
        #expect(fixture.transport.callCount == 1)

        // Published while /v1/a is with the old upstream.
        let next = FakeTransport(status: 202, body: "new")
        let metrics = fixture.snapshots.current.metrics.including(routes: ["moved"], upstreams: ["other"])
        fixture.snapshots.publish(Self.snapshot(generation: 2, base: "http://other.test", transport: next, metrics: metrics))
        fixture.transport.resume()
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
        #expect(fixture.transport.requests.map(\.url) == ["http://upstream.test/v1/a"])
        #expect(next.callCount == 0)

        // The same connection, next request: the new route and upstream.
        try fixture.send(HandlerFixture.post("/v1/b"))
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [202])
        #expect(next.requests.map(\.url) == ["http://other.test/v1/b"])
        #expect(fixture.transport.callCount == 1)
        #expect(fixture.isOpen)
    }

    @Test func refreshedReturnsTheCachedSnapshotUntilAPublish() {
        let metrics = GatewayMetrics(routes: [], upstreams: [])
        let first = Self.snapshot(generation: 1, base: "http://a.test", transport: FakeTransport(status: 200, body: ""), metrics: metrics)
        let snapshots = RuntimeSnapshots(first)
        #expect(snapshots.refreshed(first) === first)
        let second = Self.snapshot(generation: 2, base: "http://b.test", transport: FakeTransport(status: 200, body: ""), metrics: metrics)
        snapshots.publish(second)
        #expect(snapshots.refreshed(first) === second)
        #expect(snapshots.refreshed(second) === second)
        #expect(snapshots.allPipelines.count == 2)
    }
}
