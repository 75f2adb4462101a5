import GatewayCore
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatewayServer

/// What the handler refuses from a request head, and which path it sends.
@Suite("Request heads: Host, target, size")
struct RequestHeadHandlingTests {
    @Test func dotSegmentsAreRemovedBeforeRoutingAndTheUpstreamGetsThatPath() throws {
        let fixture = try HandlerFixture()
        try fixture.send(HandlerFixture.post("/v2/../v1/./a/x/..?q=1"))
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
        #expect(fixture.transport.requests.map(\.url) == ["http://upstream.test/v1/a/?q=1"])
    }

    @Test(arguments: ["/../v1/a", "/v1/%2e%2e/a", "/v1/a%2Fb", "/v1/a%00", "/v1/a#x"])
    func anAmbiguousTargetGets400AndNothingRuns(_ target: String) throws {
        let fixture = try HandlerFixture()
        try fixture.send(HandlerFixture.post(target))
        fixture.settle()
        let output = try fixture.output()
        #expect(HandlerFixture.statuses(output) == [400])
        #expect(output.contains("tag:idempotency-gateway,2026:bad-request"))
        #expect(!fixture.isOpen)
        #expect(fixture.transport.callCount == 0)
    }

    @Test func anAbsoluteFormTargetIsRoutedOnItsPathAndItsAuthorityIsTheHost() throws {
        let fixture = try HandlerFixture()
        try fixture.send("POST http://api.example:8080/v1/a?x=1 HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
        let request = try #require(fixture.transport.requests.first)
        #expect(request.url == "http://upstream.test/v1/a?x=1")
        #expect(request.headers.first { $0.name == "X-Forwarded-Host" }?.value == "api.example:8080")
    }

    @Test func http11WithoutHostGets400AndCloses() throws {
        let fixture = try HandlerFixture()
        try fixture.send("POST /v1/a HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
        let output = try fixture.output()
        #expect(HandlerFixture.statuses(output) == [400])
        #expect(output.contains("must carry a Host header"))
        #expect(!fixture.isOpen)
        #expect(fixture.transport.callCount == 0)
    }

    @Test func aRepeatedHostGets400AndCloses() throws {
        let fixture = try HandlerFixture()
        try fixture.send("POST /v1/a HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Length: 0\r\n\r\n")
        #expect(HandlerFixture.statuses(try fixture.output()) == [400])
        #expect(!fixture.isOpen)
    }

    @Test func http10WithoutHostIsServed() throws {
        let fixture = try HandlerFixture()
        try fixture.send("POST /v1/a HTTP/1.0\r\nContent-Length: 0\r\n\r\n")
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
    }

    @Test func http09IsClosed() throws {
        let fixture = try HandlerFixture()
        try fixture.send("GET /\r\n")
        fixture.settle()
        let output = try fixture.output()
        #expect(!fixture.isOpen)
        #expect(fixture.transport.callCount == 0)
        #expect(output == "")
    }

    @Test func aHeadOverMaxHeaderBytesGets431() throws {
        // Sent in pieces: the raw count catches it.
        let fixture = try HandlerFixture()
        try fixture.send("POST /v1/a HTTP/1.1\r\nHost: gw\r\n")
        for _ in 0..<6 { try fixture.send("X-Pad: " + String(repeating: "a", count: 1000) + "\r\n") }
        #expect(HandlerFixture.statuses(try fixture.output()) == [431])
        #expect(!fixture.isOpen)

        // Many small fields in one read: the head's own size catches it.
        let many = try HandlerFixture()
        try many.send("POST /v1/a HTTP/1.1\r\nHost: gw\r\n" + String(repeating: "a: b\r\n", count: 1000) + "Content-Length: 0\r\n\r\n")
        #expect(HandlerFixture.statuses(try many.output()) == [431])
        #expect(many.transport.callCount == 0)
    }

    @Test func connectionsPastTheLimitAreNotAdmitted() throws {
        let drainer = ConnectionDrainer()
        let channels = (0..<4).map { _ in EmbeddedChannel() }
        #expect(channels.prefix(3).allSatisfy { drainer.admit($0, limit: 3) })
        #expect(!drainer.admit(channels[3], limit: 3))
        #expect(drainer.openConnections == 3)
        try channels[0].close().wait()
        channels[0].embeddedEventLoop.run()
        #expect(drainer.openConnections == 2)
        #expect(drainer.admit(channels[3], limit: 3))
    }
}
