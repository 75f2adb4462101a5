import GatewayCore
import GatewayTestSupport
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import GatewayServer

/// The handler's streaming state on an `EmbeddedChannel`: a response whose
/// body comes as an `UpstreamBodyStream` is written as it arrives, pulled only
/// while the channel is writable, framed without holding it, and its stream
/// is cancelled whenever the connection goes away first.
@Suite("Streamed responses on an EmbeddedChannel")
struct StreamedResponseTests {
    private static let get = "GET /v1/big HTTP/1.1\r\nHost: gw\r\n\r\n"

    @Test func chunksArePulledOnlyWhileTheChannelIsWritable() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "first")
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send(Self.get)
        fixture.settle()
        let head = try fixture.output()
        #expect(HandlerFixture.statuses(head) == [200])
        #expect(head.contains("Transfer-Encoding: chunked\r\n"))
        #expect(!head.contains("Content-Length"))
        #expect(head.hasSuffix("\r\n\r\n5\r\nfirst\r\n"))

        stream.offer("aaaa")
        fixture.settle()
        #expect(try fixture.output() == "4\r\naaaa\r\n")
        // The client stops reading. The read already asked for still lands,
        // but nothing more is asked of the stream: what the upstream sends
        // next stays in the stream's bounded buffer.
        fixture.channel.isWritable = false
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        stream.offer("bb")
        fixture.settle()
        #expect(try fixture.output() == "2\r\nbb\r\n")
        stream.offer("ccc")
        stream.offer("dd")
        fixture.settle()
        #expect(try fixture.output() == "")
        #expect(stream.bufferedBytes == 5)
        fixture.channel.isWritable = true
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        fixture.settle()
        #expect(try fixture.output() == "3\r\nccc\r\n2\r\ndd\r\n")
        stream.finish()
        fixture.settle()
        #expect(try fixture.output() == "0\r\n\r\n")
        #expect(fixture.isOpen)
        #expect(!producer.cancelled)
    }

    @Test func theUpstreamLengthFramesTheBodyAndTheConnectionServesTheNextRequest() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "12345", contentLength: 8)
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send(Self.get)
        fixture.settle()
        let head = try fixture.output()
        #expect(head.contains("Content-Length: 8\r\n"))
        #expect(!head.contains("Transfer-Encoding"))
        #expect(head.hasSuffix("\r\n\r\n12345"))
        stream.offer("678")
        stream.finish()
        fixture.settle()
        #expect(try fixture.output() == "678")
        #expect(fixture.isOpen)
        // Keep-alive: the connection idles again, with its keepalive timeout.
        fixture.loop.advanceTime(by: .seconds(30))
        #expect(!fixture.isOpen)
    }

    @Test func anUpstreamSendingMoreThanItDeclaredIsCutOff() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "12345", contentLength: 6)
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send(Self.get)
        fixture.settle()
        _ = try fixture.output()
        stream.offer("67")
        fixture.settle()
        #expect(try fixture.output() == "")
        #expect(!fixture.isOpen)
        #expect(producer.cancelled)
    }

    @Test func anHTTP10ClientGetsACloseDelimitedBody() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "abc")
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send("GET /v1/big HTTP/1.0\r\nHost: gw\r\nConnection: keep-alive\r\n\r\n")
        fixture.settle()
        let head = try fixture.output()
        #expect(head.hasPrefix("HTTP/1.0 200"))
        #expect(head.contains("Connection: close\r\n"))
        #expect(!head.contains("Content-Length"))
        #expect(!head.contains("Transfer-Encoding"))
        #expect(head.hasSuffix("\r\n\r\nabc"))
        stream.offer("def")
        fixture.settle()
        #expect(try fixture.output() == "def")
        #expect(fixture.isOpen)
        stream.finish()
        fixture.settle()
        // The close ends the body.
        #expect(!fixture.isOpen)
        #expect(!producer.cancelled)
    }

    @Test func aStreamThatBreaksOffClosesTheConnectionWithoutEndingTheBody() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "abc")
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send(Self.get + HandlerFixture.post("/v1/next"))
        fixture.settle()
        _ = try fixture.output()
        stream.offer("def")
        stream.fail(UpstreamFailure(.protocolError, "closed mid-body"))
        fixture.settle()
        let rest = try fixture.output()
        #expect(!rest.contains("0\r\n\r\n"))
        #expect(!fixture.isOpen)
        // The request behind it is never run.
        #expect(fixture.transport.callCount == 1)
    }

    @Test func theStreamIsCancelledWhenTheClientGoes() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "abc")
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send(Self.get)
        fixture.settle()
        stream.offer("def")
        fixture.settle()
        #expect(!producer.cancelled)
        try fixture.channel.close().wait()
        fixture.settle()
        #expect(producer.cancelled)
        #expect(stream.isCancelled)
    }

    @Test func aClientThatStopsReadingIsCutOffAtSendTimeoutAndTheStreamCancelled() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "abc")
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send(Self.get)
        fixture.settle()
        fixture.channel.isWritable = false
        fixture.channel.pipeline.fireChannelWritabilityChanged()
        // Neither keepalive (30 s) nor anything but send (40 s) runs while streaming.
        fixture.loop.advanceTime(by: .seconds(39))
        #expect(fixture.isOpen)
        #expect(!producer.cancelled)
        fixture.loop.advanceTime(by: .seconds(1))
        #expect(!fixture.isOpen)
        #expect(producer.cancelled)
        #expect(stream.isCancelled)
    }

    @Test func aPipelinedRequestIsAnsweredOnlyAfterTheStreamEnded() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "abc")
        let transport = FakeTransport(.response(UpstreamResponse(status: 201, headers: [], body: Array("next".utf8))), script: [reply])
        let fixture = try HandlerFixture(transport: transport)
        try fixture.send(Self.get + HandlerFixture.post("/v1/next"))
        fixture.settle()
        #expect(HandlerFixture.statuses(try fixture.output()) == [200])
        #expect(transport.callCount == 1)
        stream.offer("def")
        fixture.settle()
        #expect(try fixture.output() == "3\r\ndef\r\n")
        #expect(transport.callCount == 1)
        stream.finish()
        fixture.settle()
        let rest = try fixture.output()
        #expect(rest.hasPrefix("0\r\n\r\nHTTP/1.1 201"))
        #expect(rest.hasSuffix("\r\n\r\nnext"))
        #expect(transport.callCount == 2)
        #expect(fixture.isOpen)
    }

    @Test func quiesceWhileStreamingClosesOnceTheBodyIsOut() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "abc")
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send(Self.get)
        fixture.settle()
        fixture.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(fixture.isOpen)
        stream.offer("def")
        stream.finish()
        fixture.settle()
        #expect(try fixture.output().hasSuffix("3\r\ndef\r\n0\r\n\r\n"))
        #expect(!fixture.isOpen)
        #expect(!producer.cancelled)
    }

    @Test func aHeadRequestNeverStreams() throws {
        let producer = RecordingProducer()
        let (stream, reply) = producer.streamedReply(first: "abc", contentLength: 10)
        let fixture = try HandlerFixture(transport: FakeTransport(reply))
        try fixture.send("HEAD /v1/big HTTP/1.1\r\nHost: gw\r\n\r\n")
        fixture.settle()
        let output = try fixture.output()
        #expect(HandlerFixture.statuses(output) == [200])
        #expect(output.hasSuffix("\r\n\r\n"))
        #expect(!output.contains("Transfer-Encoding"))
        #expect(producer.cancelled)
        #expect(stream.isCancelled)
        #expect(fixture.isOpen)
    }
}
