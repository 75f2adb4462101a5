import GatewayTestSupport
import NIOCore
import NIOEmbedded
import Testing

@testable import GatewayServer

/// Reads are held back only while pipelined input waits: a client that does
/// not pipeline never costs a read toggle (an `epoll_ctl`) per request.
@Suite("Reads held only behind a backlog")
struct ReadHoldingTests {
    @Test func readsPassWhileARequestIsProcessedWithNothingBehindIt() throws {
        let fixture = try HandlerFixture(transport: FakeTransport(status: 200, body: "ok", suspended: true))
        let counter = ReadCounter()
        try fixture.channel.pipeline.syncOperations.addHandler(counter, position: .first)
        try fixture.send(HandlerFixture.post("/v1/a"))
        fixture.settle()
        fixture.channel.read()
        #expect(counter.reads == 1)
        fixture.transport.resume()
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
    }

    @Test func readsAreHeldWhilePipelinedInputWaitsAndResumeOnceItIsTakenUp() throws {
        let fixture = try HandlerFixture(transport: FakeTransport(status: 200, body: "ok", suspended: true))
        let counter = ReadCounter()
        try fixture.channel.pipeline.syncOperations.addHandler(counter, position: .first)
        try fixture.send(HandlerFixture.post("/v1/a") + HandlerFixture.post("/v1/b"))
        fixture.settle()
        fixture.channel.read()
        #expect(counter.reads == 0)
        fixture.transport.resume()
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200, 200])
        // The backlog was taken up: the held read went out.
        #expect(counter.reads == 1)
    }
}
