import GatewayCore
import Synchronization
import Testing

/// The stream's own contract, without libcurl: the marks, exactly one resume
/// per pause, how each end is reported, and cancellation from anywhere.
@Suite struct UpstreamBodyStreamTests {
    /// Records what the stream asked of its producer.
    final class RecordingProducer: UpstreamBodyProducer {
        private let calls = Mutex<[String]>([])
        var log: [String] { calls.withLock { $0 } }
        func resumeTransfer(of stream: UpstreamBodyStream) { calls.withLock { $0.append("resume") } }
        func cancelTransfer(of stream: UpstreamBodyStream) { calls.withLock { $0.append("cancel") } }
    }

    private func offer(_ stream: UpstreamBodyStream, _ count: Int, byte: UInt8 = 1) -> UpstreamBodyOffer {
        let bytes = [UInt8](repeating: byte, count: count)
        return bytes.withUnsafeBufferPointer { stream.offer($0) }
    }

    @Test func refusesPastTheHighWaterMarkAndResumesOnceAtTheLowWaterMark() async throws {
        let producer = RecordingProducer()
        let stream = UpstreamBodyStream(producer: producer, highWaterMark: 100, lowWaterMark: 40)
        #expect(offer(stream, 60) == .accepted)
        #expect(offer(stream, 40) == .accepted)
        #expect(offer(stream, 1) == .pause)
        #expect(stream.bufferedBytes == 100)
        #expect(stream.isProducerPaused)
        // 100 -> 40 over three reads: only the read that reaches 40 resumes.
        #expect(try await stream.next()?.count == 60)
        #expect(producer.log == ["resume"])
        #expect(!stream.isProducerPaused)
        #expect(try await stream.next()?.count == 40)
        #expect(producer.log == ["resume"])
        #expect(stream.peakBufferedBytes == 100)
    }

    @Test func aChunkLargerThanTheMarkStillGoesThroughAnEmptyBuffer() async throws {
        let stream = UpstreamBodyStream(producer: RecordingProducer(), highWaterMark: 10, lowWaterMark: 5)
        #expect(offer(stream, 50) == .accepted)
        #expect(offer(stream, 1) == .pause)
    }

    @Test func finishDrainsWhatIsBufferedThenEnds() async throws {
        let stream = UpstreamBodyStream(producer: RecordingProducer())
        _ = offer(stream, 3, byte: 7)
        stream.finish()
        #expect(try await stream.next() == [7, 7, 7])
        #expect(try await stream.next() == nil)
        #expect(try await stream.next() == nil)
    }

    @Test func failDropsTheBufferAndFailsTheNextRead() async throws {
        let stream = UpstreamBodyStream(producer: RecordingProducer())
        _ = offer(stream, 3)
        stream.fail(UpstreamFailure(.protocolError, "closed mid-body"))
        #expect(stream.bufferedBytes == 0)
        await #expect(throws: UpstreamFailure.self) { _ = try await stream.next() }
    }

    @Test func aWaitingReaderGetsTheNextChunkOrTheEnd() async throws {
        let stream = UpstreamBodyStream(producer: RecordingProducer())
        async let first = stream.next()
        try await Task.sleep(for: .milliseconds(50))
        _ = offer(stream, 5, byte: 9)
        #expect(try await first == [9, 9, 9, 9, 9])
        async let end = stream.next()
        try await Task.sleep(for: .milliseconds(50))
        stream.finish()
        #expect(try await end == nil)
    }

    /// Cancel from another task while the reader waits: the reader fails,
    /// the producer is told once, later chunks are refused.
    @Test func cancelFromAnotherTaskFailsTheWaitingReader() async throws {
        let producer = RecordingProducer()
        let stream = UpstreamBodyStream(producer: producer)
        let reader = Task { () async -> Bool in
            do { _ = try await stream.next(); return false } catch { return true }
        }
        try await Task.sleep(for: .milliseconds(50))
        await Task.detached { stream.cancel(); stream.cancel() }.value
        #expect(await reader.value)
        #expect(producer.log == ["cancel"])
        #expect(offer(stream, 1) == .cancelled)
        #expect(stream.isCancelled)
    }

    @Test func cancellingTheReadingTaskCancelsTheStream() async throws {
        let producer = RecordingProducer()
        let stream = UpstreamBodyStream(producer: producer)
        let reader = Task { () async -> Bool in
            do { _ = try await stream.next(); return false } catch { return true }
        }
        try await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        #expect(await reader.value)
        #expect(producer.log == ["cancel"])
    }

    @Test func cancelAfterTheEndDoesNotReachTheProducer() async throws {
        let producer = RecordingProducer()
        let stream = UpstreamBodyStream(producer: producer)
        stream.finish()
        stream.cancel()
        #expect(producer.log.isEmpty)
    }
}
