import GatewayTestSupport
import Synchronization
import Testing
@testable import GatewayCore

/// The pipeline's half of streaming: every call, keyed or not, asks the
/// transport to stream past `max_stored_body`; a streamed response is settled
/// at once as not kept (or released, if the store policy would not keep it)
/// and its stream reaches the handler untouched.
@Suite struct RequestPipelineStreamingTests {
    final class Producer: UpstreamBodyProducer {
        let cancels = Mutex(0)
        func resumeTransfer(of stream: UpstreamBodyStream) {}
        func cancelTransfer(of stream: UpstreamBodyStream) { cancels.withLock { $0 += 1 } }
    }

    private func streamed(status: Int = 200) -> (UpstreamBodyStream, Producer, FakeTransport) {
        let producer = Producer()
        let stream = UpstreamBodyStream(producer: producer, contentLength: 100)
        let response = UpstreamResponse(status: status, headers: [HeaderField(name: "Content-Length", value: "100")],
                                        body: Array(repeating: 7, count: 16), bodyStream: stream)
        return (stream, producer, FakeTransport(.response(response)))
    }

    @Test func everyCallAsksForStreamingPastMaxStoredBody() async {
        var settings = RequestPipeline.Settings()
        settings.maxStoredBody = 1234
        let keyed = PipelineFixture(settings: settings)
        _ = await keyed.handle(charge())
        let passThrough = PipelineFixture(policy: nil, settings: settings)
        _ = await passThrough.handle(charge(key: nil))
        #expect(keyed.transport.requests.map(\.bufferLimit) == [1234])
        #expect(passThrough.transport.requests.map(\.bufferLimit) == [1234])
    }

    @Test func aStreamedResponseIsSettledAtOnceAsNotKeptAndHandedOn() async throws {
        var settings = RequestPipeline.Settings()
        settings.maxStoredBody = 16
        let (stream, producer, transport) = streamed()
        let fixture = PipelineFixture(settings: settings, transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.outcome == .executed)
        #expect(first.response.status == 200)
        #expect(first.response.bodyStream === stream)
        #expect(first.response.body.count == 16)
        #expect(first.response.headers.values(named: "Content-Length").isEmpty)
        // Settled before a single streamed byte was read.
        #expect(stream.bufferedBytes == 0)
        let retry = await fixture.handle(charge())
        #expect(retry.response.status == 410)
        #expect(try slug(retry.response) == "response-not-kept")
        #expect(retry.response.isReplay)
        #expect(retry.response.bodyStream == nil)
        #expect(fixture.transport.callCount == 1)
        #expect(producer.cancels.withLock { $0 } == 0)
    }

    @Test func aStreamedResponseThePolicyWouldNotKeepReleasesTheClaim() async {
        var settings = RequestPipeline.Settings()
        settings.maxStoredBody = 16
        let (stream, _, transport) = streamed(status: 503)
        let fixture = PipelineFixture(settings: settings, transport: transport)
        let first = await fixture.handle(charge())
        #expect(first.outcome == .notStored)
        #expect(first.response.bodyStream === stream)
        #expect(await fixture.store.count == 0)
        _ = await fixture.handle(charge())
        #expect(fixture.transport.callCount == 2)
    }

    @Test func aPassThroughResponseCarriesItsStream() async {
        let (stream, _, transport) = streamed()
        let fixture = PipelineFixture(policy: nil, transport: transport)
        let result = await fixture.handle(charge(key: nil))
        #expect(result.outcome == .passthrough)
        #expect(result.response.bodyStream === stream)
    }
}
