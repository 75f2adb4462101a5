import Synchronization

/// The rest of an upstream response body that was too large to buffer: the
/// transport hands it over with the head and the bytes that arrived first,
/// then feeds it chunk by chunk while the consumer (the client connection)
/// drains it.
///
/// Memory is bounded by two marks, not by the upstream. The buffer never holds
/// more than `highWaterMark` bytes: a chunk that would pass it is refused and
/// the producer pauses the transfer (libcurl stops reading the socket, so TCP
/// flow control stalls the upstream). The consumer resumes the producer only
/// once it has drained to `lowWaterMark`, so a slow client costs one resume per
/// `highWaterMark - lowWaterMark` bytes rather than a pause/resume per chunk.
///
/// One consumer at a time calls `next()`; `cancel()` is safe from any thread,
/// at any time, any number of times.
public final class UpstreamBodyStream: Sendable {
    /// Default marks: a few hundred KiB per transfer, which keeps a loopback
    /// or LAN upstream streaming at full speed (libcurl hands over at most
    /// 16 KiB per callback) while 1,000 stalled clients cost 256 MiB at most.
    public static let defaultHighWaterMark = 256 << 10
    public static let defaultLowWaterMark = 64 << 10

    public let highWaterMark: Int
    public let lowWaterMark: Int
    /// The whole body's length (`UpstreamResponse.body` plus everything this
    /// stream yields) when the upstream sent a Content-Length, nil when it
    /// chunked or closes to end. A stream that ends cleanly has delivered
    /// exactly this many bytes (fewer is a failure, more are not read), so
    /// the handler can frame the client response with it instead of chunking.
    public let contentLength: Int?
    private let state = Mutex(UpstreamBodyStreamState())
    private let producer: any UpstreamBodyProducer

    public init(producer: any UpstreamBodyProducer, contentLength: Int? = nil, highWaterMark: Int = defaultHighWaterMark,
                lowWaterMark: Int = defaultLowWaterMark) {
        self.contentLength = contentLength
        precondition(highWaterMark > 0 && lowWaterMark >= 0 && lowWaterMark < highWaterMark, "marks out of order")
        self.producer = producer
        self.highWaterMark = highWaterMark
        self.lowWaterMark = lowWaterMark
    }

    // MARK: Consumer

    /// The next chunk (never empty), nil at the clean end of the body, or the
    /// failure that cut it short: the client then has a truncated response and
    /// its connection must be closed. Suspends while nothing is buffered. A
    /// cancelled task cancels the stream.
    public func next() async throws(UpstreamFailure) -> [UInt8]? {
        let result = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8]?, UpstreamFailure>, Never>) in
                var wantsMore = false
                let immediate: Result<[UInt8]?, UpstreamFailure>? = state.withLock { state in
                    if let chunk = state.takeChunk() {
                        wantsMore = Self.consumerDrained(&state, lowWaterMark: lowWaterMark)
                        return .success(chunk)
                    }
                    switch state.phase {
                    case .open:
                        guard state.waiter == nil else {
                            return .failure(UpstreamFailure(.protocolError, "body stream read by two consumers at once"))
                        }
                        state.waiter = continuation
                        wantsMore = Self.consumerDrained(&state, lowWaterMark: lowWaterMark)
                        return nil
                    case .finished: return .success(nil)
                    case .failed(let failure): return .failure(failure)
                    case .cancelled: return .failure(Self.cancelledFailure)
                    }
                }
                if let immediate { continuation.resume(returning: immediate) }
                if wantsMore { producer.resumeTransfer(of: self) }
            }
        } onCancel: {
            cancel()
        }
        return try result.get()
    }

    /// Aborts the transfer and drops what is buffered. A consumer waiting in
    /// `next()` gets a failure. Does nothing once the body ended.
    public func cancel() {
        let (waiter, wasOpen) = state.withLock { state in
            guard case .open = state.phase else { return (nil as CheckedContinuation<Result<[UInt8]?, UpstreamFailure>, Never>?, false) }
            state.phase = .cancelled
            state.dropBuffer()
            defer { state.waiter = nil }
            return (state.waiter, true)
        }
        waiter?.resume(returning: .failure(Self.cancelledFailure))
        if wasOpen { producer.cancelTransfer(of: self) }
    }

    // MARK: Statistics (metrics and tests)

    /// Bytes buffered right now.
    public var bufferedBytes: Int { state.withLock { $0.bufferedBytes } }
    /// The most bytes ever buffered at once; never above `highWaterMark`.
    public var peakBufferedBytes: Int { state.withLock { $0.peakBufferedBytes } }
    /// How many times the producer was told to pause.
    public var pauseCount: Int { state.withLock { $0.pauses } }
    /// True while the producer is paused waiting for the consumer.
    public var isProducerPaused: Bool { state.withLock { $0.producerPaused } }

    // MARK: Producer

    /// Offers one chunk. A chunk that would take the buffer past the
    /// high-water mark is refused (`.pause`) unless the buffer is empty, so a
    /// single chunk larger than the mark still makes progress.
    public func offer(_ chunk: UnsafeBufferPointer<UInt8>) -> UpstreamBodyOffer {
        guard !chunk.isEmpty else { return .accepted }
        let (offer, handOver) = state.withLock { state -> (UpstreamBodyOffer, (CheckedContinuation<Result<[UInt8]?, UpstreamFailure>, Never>, [UInt8])?) in
            guard case .open = state.phase else { return (.cancelled, nil) }
            if state.bufferedBytes > 0, state.bufferedBytes + chunk.count > highWaterMark {
                state.producerPaused = true
                state.pauses += 1
                return (.pause, nil)
            }
            let bytes = Array(chunk)
            if let waiter = state.waiter {
                // Nothing is buffered when someone waits: hand it over directly.
                state.waiter = nil
                state.peakBufferedBytes = max(state.peakBufferedBytes, bytes.count)
                return (.accepted, (waiter, bytes))
            }
            state.chunks.append(bytes)
            state.bufferedBytes += bytes.count
            state.peakBufferedBytes = max(state.peakBufferedBytes, state.bufferedBytes)
            return (.accepted, nil)
        }
        if let (waiter, bytes) = handOver { waiter.resume(returning: .success(bytes)) }
        return offer
    }

    /// The body ended cleanly; what is buffered stays readable.
    public func finish() {
        end(.finished)
    }

    /// The body broke off; the consumer's next read fails at once.
    public func fail(_ failure: UpstreamFailure) {
        end(.failed(failure))
    }

    /// True once the consumer cancelled: the producer should stop.
    public var isCancelled: Bool {
        state.withLock { if case .cancelled = $0.phase { true } else { false } }
    }

    private func end(_ phase: UpstreamBodyStreamState.Phase) {
        let waiter = state.withLock { state -> CheckedContinuation<Result<[UInt8]?, UpstreamFailure>, Never>? in
            guard case .open = state.phase else { return nil }
            state.phase = phase
            if case .failed = phase { state.dropBuffer() }
            defer { state.waiter = nil }
            return state.waiter
        }
        guard let waiter else { return }
        switch phase {
        case .failed(let failure): waiter.resume(returning: .failure(failure))
        default: waiter.resume(returning: .success(nil))
        }
    }

    /// Clears the pause once the buffer is at the low-water mark; true when
    /// the producer must be resumed (exactly once per pause).
    private static func consumerDrained(_ state: inout UpstreamBodyStreamState, lowWaterMark: Int) -> Bool {
        guard state.producerPaused, state.bufferedBytes <= lowWaterMark, case .open = state.phase else { return false }
        state.producerPaused = false
        return true
    }

    private static let cancelledFailure = UpstreamFailure(.protocolError, "body stream cancelled by its consumer")
}
