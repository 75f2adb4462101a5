/// The mutable half of an `UpstreamBodyStream`, kept under its mutex.
struct UpstreamBodyStreamState {
    enum Phase {
        /// The producer is still receiving.
        case open
        /// The producer delivered the last byte; buffered chunks remain readable.
        case finished
        /// The body broke off (or the transport gave up on it); buffer dropped.
        case failed(UpstreamFailure)
        /// The consumer cancelled; buffer dropped.
        case cancelled
    }

    var phase = Phase.open
    /// Chunks not yet taken, oldest first from `head`.
    var chunks: [[UInt8]] = []
    var head = 0
    var bufferedBytes = 0
    var peakBufferedBytes = 0
    /// The producer was told to pause and has not been resumed yet.
    var producerPaused = false
    var pauses = 0
    /// The one consumer waiting in `next()`, if any.
    var waiter: CheckedContinuation<Result<[UInt8]?, UpstreamFailure>, Never>?

    mutating func takeChunk() -> [UInt8]? {
        guard head < chunks.count else { return nil }
        let chunk = chunks[head]
        chunks[head] = []
        head += 1
        if head == chunks.count {
            chunks.removeAll(keepingCapacity: true)
            head = 0
        } else if head >= 64, head * 2 >= chunks.count {
            chunks.removeFirst(head)
            head = 0
        }
        bufferedBytes -= chunk.count
        return chunk
    }

    mutating func dropBuffer() {
        chunks = []
        head = 0
        bufferedBytes = 0
    }
}
