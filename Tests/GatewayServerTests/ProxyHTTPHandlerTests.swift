import GatewayCore
import GatewayTestSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatewayServer

/// The connection handler on an `EmbeddedChannel`: bytes in, bytes out, the
/// loop's clock moved by hand, so each timeout is checked to the second.
@Suite("ProxyHTTPHandler on an EmbeddedChannel")
struct ProxyHTTPHandlerTests {
    @Test func pipelinedRequestsAreAnsweredInOrderOnceTheFirstIsDone() throws {
        let fixture = try HandlerFixture(transport: FakeTransport(status: 200, body: "ok", suspended: true))
        try fixture.send(HandlerFixture.post("/v1/a") + HandlerFixture.post("/v1/b") + "GET /nowhere HTTP/1.1\r\nHost: gw\r\n\r\n")
        fixture.settle()
        // The first is with the upstream; the others wait behind it.
        #expect(fixture.transport.callCount == 1)
        #expect(try fixture.output() == "")
        fixture.transport.resume()
        fixture.settle()
        let output = try fixture.output()
        #expect(HandlerFixture.statuses(output) == [200, 200, 404])
        #expect(fixture.transport.requests.map(\.url) == ["http://upstream.test/v1/a", "http://upstream.test/v1/b"])
        #expect(fixture.isOpen)
    }

    @Test func aParserErrorBehindABacklogIsAnsweredAfterTheAnswersBeforeIt() throws {
        let fixture = try HandlerFixture(transport: FakeTransport(status: 200, body: "ok", suspended: true))
        try fixture.send(HandlerFixture.post("/v1/a")
            + "POST /v1/b HTTP/1.1\r\nHost: gw\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx")
        fixture.settle()
        #expect(try fixture.output() == "")
        #expect(fixture.isOpen)
        fixture.transport.resume()
        fixture.settle()
        let output = try fixture.output()
        #expect(HandlerFixture.statuses(output) == [200, 400])
        #expect(output.contains("Content-Length repeated, or together with Transfer-Encoding"))
        #expect(fixture.transport.callCount == 1)
        #expect(!fixture.isOpen)
    }

    @Test func anIdleConnectionClosesSilentlyAtKeepaliveTimeout() throws {
        let fixture = try HandlerFixture()
        try fixture.send(HandlerFixture.post("/v1/a"))
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
        fixture.loop.advanceTime(by: .seconds(29))
        #expect(fixture.isOpen)
        fixture.loop.advanceTime(by: .seconds(1))
        #expect(!fixture.isOpen)
        #expect(try fixture.output() == "")
    }

    @Test func aHalfSentHeadGets408AtHeaderTimeout() throws {
        let fixture = try HandlerFixture()
        fixture.loop.advanceTime(by: .seconds(5))
        try fixture.send("POST /v1/a HTTP/1.1\r\nHo")
        fixture.loop.advanceTime(by: .seconds(5))
        try fixture.send("st: gw\r\n")  // progress does not extend a head's time
        fixture.loop.advanceTime(by: .seconds(4))
        #expect(fixture.isOpen)
        fixture.loop.advanceTime(by: .seconds(1))
        let output = try fixture.output()
        #expect(HandlerFixture.statuses(output) == [408])
        #expect(output.contains("tag:idempotency-gateway,2026:request-timeout"))
        #expect(output.contains("Connection: close"))
        #expect(!fixture.isOpen)
        #expect(fixture.transport.callCount == 0)
    }

    @Test func aStalledBodyGets408AtBodyTimeoutCountedFromTheLastRead() throws {
        let fixture = try HandlerFixture()
        try fixture.send("POST /v1/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nabc")
        fixture.loop.advanceTime(by: .seconds(19))
        try fixture.send("def")
        fixture.loop.advanceTime(by: .seconds(19))
        #expect(fixture.isOpen)
        fixture.loop.advanceTime(by: .seconds(1))
        #expect(HandlerFixture.statuses(try fixture.output()) == [408])
        #expect(!fixture.isOpen)
        #expect(fixture.transport.callCount == 0)
    }

    @Test func aClientThatStopsReadingIsCutOffAtSendTimeout() throws {
        let fixture = try HandlerFixture()
        try fixture.send(HandlerFixture.post("/v1/a"))
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
        fixture.channel.isWritable = false
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        fixture.loop.advanceTime(by: .seconds(29))
        #expect(fixture.isOpen)
        // Writable again: the client read; the stall starts over.
        fixture.channel.isWritable = true
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        fixture.channel.isWritable = false
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        try fixture.send("P")  // a head under way: keepalive no longer applies
        fixture.loop.advanceTime(by: .seconds(9))
        #expect(fixture.isOpen)
        fixture.loop.advanceTime(by: .seconds(1))
        // The header timeout came first here: 408. Start again for send alone.
        #expect(!fixture.isOpen)

        let second = try HandlerFixture(limits: ClientLimits(headerTimeout: .seconds(60), bodyTimeout: .seconds(60),
                                                             keepaliveTimeout: .seconds(60), sendTimeout: .seconds(5)))
        try second.send(HandlerFixture.post("/v1/a"))
        second.settle()
        second.channel.isWritable = false
        second.channel.pipeline.fireChannelWritabilityChanged()
        second.loop.advanceTime(by: .seconds(4))
        #expect(second.isOpen)
        second.loop.advanceTime(by: .seconds(1))
        #expect(!second.isOpen)
        #expect(HandlerFixture.statuses(try second.output()) == [200])
    }

    @Test func continueIsSentBeforeTheBodyIsRead() throws {
        let fixture = try HandlerFixture()
        try fixture.send("POST /v1/a HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n")
        #expect(try fixture.output() == "HTTP/1.1 100 Continue\r\n\r\n")
        try fixture.send("{}")
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
        #expect(fixture.transport.requests.first?.body == Array("{}".utf8))
        #expect(fixture.transport.requests.first?.headers.contains { $0.name.lowercased() == "expect" } == false)
    }

    @Test func aBodyOverTheLimitIsRefusedBeforeAnyContinue() throws {
        let fixture = try HandlerFixture()
        try fixture.send("POST /v1/a HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5000\r\n\r\n")
        let output = try fixture.output()
        #expect(HandlerFixture.statuses(output) == [413])
        #expect(!output.contains("100 Continue"))
        #expect(!fixture.isOpen)
    }

    @Test func connectionCloseClosesAfterTheResponseIsWritten() throws {
        let fixture = try HandlerFixture()
        try fixture.send(HandlerFixture.post("/v1/a", extra: "Connection: close\r\n") + HandlerFixture.post("/v1/b"))
        fixture.settle()
        let output = try fixture.output()
        #expect(HandlerFixture.statuses(output) == [200])
        #expect(output.contains("Connection: close"))
        #expect(!fixture.isOpen)
        #expect(fixture.transport.callCount == 1)
    }

    @Test func quiesceClosesAnIdleConnectionAtOnceAndABusyOneAfterItsAnswer() throws {
        let idle = try HandlerFixture()
        idle.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!idle.isOpen)

        let busy = try HandlerFixture(transport: FakeTransport(status: 200, body: "ok", suspended: true))
        try busy.send(HandlerFixture.post("/v1/a") + HandlerFixture.post("/v1/b"))
        busy.settle()
        busy.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(busy.isOpen)
        busy.transport.resume()
        busy.settle()
        let output = try busy.output()
        #expect(HandlerFixture.statuses(output) == [200])
        #expect(output.contains("Connection: close"))
        #expect(!busy.isOpen)
        #expect(busy.transport.callCount == 1)
    }
}
