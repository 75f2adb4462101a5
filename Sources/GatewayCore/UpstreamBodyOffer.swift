/// What the producer must do with a chunk it offered to an `UpstreamBodyStream`.
public enum UpstreamBodyOffer: Sendable, Equatable {
    /// Taken into the buffer.
    case accepted
    /// Not taken: the buffer would pass its high-water mark. The producer pauses
    /// and offers the same chunk again after `resumeTransfer`.
    case pause
    /// Not taken: the consumer cancelled; the producer aborts the transfer.
    case cancelled
}
