import ExampleUpstream
import GatewayCore
import GatewayUpstream
import Logging
import Testing
import Foundation

/// Issue 14 item E at the transport: a body past the request's `bufferLimit`
/// is handed over as a stream whose buffer is bounded by its high-water mark,
/// whose transfer pauses when the consumer stops, and which fails (rather than
/// ending cleanly) when the upstream breaks off. Serialized: the memory test
/// reads the whole process's peak RSS.
@Suite(.serialized, .timeLimit(.minutes(1))) struct CurlTransportStreamingTests {
    private static let logger = Logger(label: "curl-transport-streaming-tests")

    private func request(_ port: Int, bufferLimit: Int, timeout: Duration = .seconds(10)) -> UpstreamRequest {
        UpstreamRequest(url: "http://127.0.0.1:\(port)/big", method: "GET", headers: [], body: [],
                        timeout: timeout, connectTimeout: .seconds(2), bufferLimit: bufferLimit)
    }

    /// Reads the stream to its end, checking every byte against the pattern.
    private func drain(_ stream: UpstreamBodyStream, from offset: Int) async throws -> (count: Int, intact: Bool) {
        var offset = offset
        var intact = true
        while let chunk = try await stream.next() {
            intact = intact && !chunk.isEmpty && GeneratedBody.matches(chunk, at: offset)
            offset += chunk.count
        }
        return (offset, intact)
    }

    private func waitUntil(_ limit: Duration = .seconds(5), _ condition: () -> Bool) async throws {
        let end = ContinuousClock.now + limit
        while !condition(), ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
    }

    @Test func responseWithinTheLimitComesBackWholeWithNoStream() async throws {
        let upstream = try RawUpstream { _ in .generated(length: 100_000) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        // Exactly at the limit still buffers: the limit is the most kept.
        for limit in [100_000, 1 << 20, Int.max] {
            let response = try await transport.send(request(upstream.port, bufferLimit: limit))
            #expect(response.status == 200)
            #expect(response.bodyStream == nil)
            #expect(response.body.count == 100_000)
            #expect(GeneratedBody.matches(response.body, at: 0))
        }
    }

    /// The reproduction: 300 MB used to peak at 650 MB RSS.
    @Test func threeHundredMegabytesStreamThroughBoundedMemory() async throws {
        let length = 300_000_000
        let upstream = try RawUpstream { _ in .generated(length: length) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let limit = 1 << 20
        ProcessMemory.resetPeak()
        let residentBefore = ProcessMemory.resident
        let started = ContinuousClock.now
        let response = try await transport.send(request(upstream.port, bufferLimit: limit))
        let stream = try #require(response.bodyStream)
        #expect(response.status == 200)
        #expect(response.body.count <= limit)
        #expect(stream.contentLength == length)
        #expect(GeneratedBody.matches(response.body, at: 0))
        let (count, intact) = try await drain(stream, from: response.body.count)
        let elapsed = ContinuousClock.now - started
        let growth = ProcessMemory.peakResident - residentBefore
        #expect(count == length)
        #expect(intact)
        #expect(stream.peakBufferedBytes <= stream.highWaterMark)
        #expect(growth < 100 << 20, "peak RSS grew by \(growth >> 20) MiB")
        print("streamed \(count) bytes in \(elapsed): peak RSS +\(growth >> 20) MiB (VmHWM \(ProcessMemory.peakResident >> 20) MiB),"
              + " stream peak \(stream.peakBufferedBytes) B of \(stream.highWaterMark), \(stream.pauseCount) pauses")
        try await waitUntil { transport.transfersInFlight == 0 }
        #expect(transport.transfersInFlight == 0)
    }

    /// A consumer that stops reading stalls the upstream's sends (TCP flow
    /// control once libcurl pauses), and the buffer stays under the mark. The
    /// pause outlasts the 1 s timeout: time the client spends not reading
    /// does not count against the upstream.
    @Test(arguments: [false, true])
    func stalledConsumerPausesTheTransferWhichResumesWhenReadingContinues(chunked: Bool) async throws {
        let length = 50_000_000
        let upstream = try RawUpstream { _ in .generated(length: length, chunked: chunked) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let response = try await transport.send(request(upstream.port, bufferLimit: 64 << 10, timeout: .seconds(1)))
        let stream = try #require(response.bodyStream)
        #expect(stream.contentLength == (chunked ? nil : length))
        var offset = response.body.count
        let first = try #require(try await stream.next())
        offset += first.count
        try await waitUntil { stream.isProducerPaused }
        #expect(stream.isProducerPaused)
        try await Task.sleep(for: .milliseconds(500))
        let sentEarly = upstream.bodyBytesSent
        try await Task.sleep(for: .milliseconds(2000))
        let sentLate = upstream.bodyBytesSent
        #expect(sentLate == sentEarly, "the upstream kept sending while the consumer did not read")
        #expect(sentLate < length / 2)
        #expect(stream.bufferedBytes <= stream.highWaterMark)
        #expect(transport.transfersInFlight == 1)

        let (count, intact) = try await drain(stream, from: offset)
        #expect(count == length)
        #expect(intact)
        #expect(stream.pauseCount > 1)
        #expect(stream.peakBufferedBytes <= stream.highWaterMark)
    }

    @Test func cancelMidStreamClosesTheConnectionAndFreesTheTransfer() async throws {
        let upstream = try RawUpstream { request in
            request.target == "/big" ? .generated(length: 50_000_000) : .ok()
        }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let response = try await transport.send(request(upstream.port, bufferLimit: 64 << 10))
        let stream = try #require(response.bodyStream)
        _ = try await stream.next()
        try await waitUntil { stream.isProducerPaused }
        stream.cancel()
        await #expect(throws: UpstreamFailure.self) { _ = try await stream.next() }
        // The upstream's blocked send fails: libcurl closed the socket.
        try await waitUntil { upstream.connectionsEnded == 1 }
        #expect(upstream.connectionsEnded == 1)
        try await waitUntil { transport.transfersInFlight == 0 }
        #expect(transport.transfersInFlight == 0)
        #expect(upstream.bodyBytesSent < 50_000_000)

        let next = try await transport.send(UpstreamRequest(url: "http://127.0.0.1:\(upstream.port)/small", method: "GET", headers: [],
                                                            body: [], timeout: .seconds(5), connectTimeout: .seconds(2)))
        #expect(next.status == 200)
        #expect(upstream.requests.map(\.connection) == [1, 2])
        stream.cancel()
    }

    /// A consumer that drops a paused stream without cancelling it (a bug,
    /// but a possible one) does not pin the transfer and its socket forever:
    /// the loop notices within about a second.
    @Test func droppedStreamIsAbortedWithoutACancel() async throws {
        let upstream = try RawUpstream { _ in .generated(length: 50_000_000) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        do {
            let response = try await transport.send(request(upstream.port, bufferLimit: 64 << 10))
            let stream = try #require(response.bodyStream)
            try await waitUntil { stream.isProducerPaused }
            #expect(stream.isProducerPaused)
        }
        try await waitUntil { upstream.connectionsEnded == 1 && transport.transfersInFlight == 0 }
        #expect(upstream.connectionsEnded == 1)
        #expect(transport.transfersInFlight == 0)
    }

    /// Headers (and some body) are already out to the client when this
    /// happens, so a clean end would pass a truncated body off as whole.
    @Test(arguments: [false, true])
    func upstreamClosingMidBodyFailsTheStream(chunked: Bool) async throws {
        let upstream = try RawUpstream { _ in .generated(length: 10_000_000, cutAfter: 3_000_000, chunked: chunked) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let response = try await transport.send(request(upstream.port, bufferLimit: 1 << 20))
        let stream = try #require(response.bodyStream)
        var received = response.body.count
        var failure: UpstreamFailure?
        do {
            while let chunk = try await stream.next() { received += chunk.count }
        } catch {
            failure = error
        }
        #expect(failure?.kind == .protocolError)
        #expect(received <= 3_000_000)
        try await waitUntil { transport.transfersInFlight == 0 }
        #expect(transport.transfersInFlight == 0)
    }

    /// Once streaming, the upstream's `timeout` is an idle timeout: an
    /// upstream that stops sending mid-body while the consumer keeps reading
    /// fails the stream as a timeout, long before the upstream's own close.
    @Test func upstreamStallingMidBodyTimesTheStreamOut() async throws {
        let upstream = try RawUpstream { _ in .generated(length: 10_000_000, cutAfter: 2_000_000, hold: .seconds(8)) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let response = try await transport.send(request(upstream.port, bufferLimit: 1 << 20, timeout: .milliseconds(800)))
        let stream = try #require(response.bodyStream)
        let started = ContinuousClock.now
        var failure: UpstreamFailure?
        do {
            while try await stream.next() != nil {}
        } catch {
            failure = error
        }
        #expect(failure?.kind == .timeout)
        #expect(ContinuousClock.now - started < .seconds(5))
        try await waitUntil { transport.transfersInFlight == 0 }
        #expect(transport.transfersInFlight == 0)
    }

    /// Many streams at once, each ended its own way (read whole, cancelled
    /// after a few chunks from another task, cancelled at once) while the curl
    /// thread pauses and resumes them: every whole read is intact and no
    /// transfer is left behind.
    @Test func concurrentStreamsEndedEveryWayLeaveNothingBehind() async throws {
        let length = 4_000_000
        let upstream = try RawUpstream { _ in .generated(length: length) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<24 {
                group.addTask {
                    let response = try await transport.send(request(upstream.port, bufferLimit: 16 << 10))
                    let stream = try #require(response.bodyStream)
                    switch index % 3 {
                    case 0:
                        let (count, intact) = try await drain(stream, from: response.body.count)
                        return count == length && intact
                    case 1:
                        for _ in 0..<(index % 7) { _ = try await stream.next() }
                        await Task.detached { stream.cancel() }.value
                        return stream.isCancelled
                    default:
                        stream.cancel()
                        return stream.isCancelled
                    }
                }
            }
            return try await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(outcomes.count == 24)
        #expect(outcomes.allSatisfy { $0 })
        try await waitUntil { transport.transfersInFlight == 0 }
        #expect(transport.transfersInFlight == 0)
    }

    /// ExampleUpstream's generated body, which the end-to-end 300 MB test
    /// through the gateway will use: whole and intact, or cut mid-body.
    @Test func exampleUpstreamGeneratesALargeBodyAndCanCutIt() async throws {
        let server = try await ExampleUpstreamServer.start()
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        func send(_ headers: [HeaderField]) async throws -> UpstreamResponse {
            try await transport.send(UpstreamRequest(url: "http://127.0.0.1:\(server.port)/big", method: "GET", headers: headers, body: [],
                                                     timeout: .seconds(10), connectTimeout: .seconds(2), bufferLimit: 1 << 20))
        }
        let length = 100_000_000
        let whole = try await send([HeaderField(name: "X-Upstream-Stream-Size", value: "\(length)")])
        let stream = try #require(whole.bodyStream)
        #expect(GeneratedBody.matches(whole.body, at: 0))
        let (count, intact) = try await drain(stream, from: whole.body.count)
        #expect(count == length)
        #expect(intact)

        let cut = try await send([HeaderField(name: "X-Upstream-Stream-Size", value: "\(length)"),
                                  HeaderField(name: "X-Upstream-Stream-Cut", value: "5000000")])
        let cutStream = try #require(cut.bodyStream)
        await #expect(throws: UpstreamFailure.self) { _ = try await drain(cutStream, from: cut.body.count) }
        #expect(server.ledger.totalExecutions == 2)
        await server.stop()
    }

    @Test func shutdownFailsAnOpenStream() async throws {
        let upstream = try RawUpstream { _ in .generated(length: 50_000_000) }
        defer { upstream.close() }
        let transport = CurlTransport(logger: Self.logger)
        let response = try await transport.send(request(upstream.port, bufferLimit: 64 << 10))
        let stream = try #require(response.bodyStream)
        try await waitUntil { stream.isProducerPaused }
        transport.shutdown()
        var failure: UpstreamFailure?
        do {
            while try await stream.next() != nil {}
        } catch {
            failure = error
        }
        #expect(failure?.kind == .protocolError)
    }
}
