/// The side of an `UpstreamBodyStream` that fills it: the transport. The stream
/// calls it (from whatever thread the consumer runs on) when the consumer wants
/// more or has gone away; the transport must act on its own thread, never
/// block the caller, and ignore calls for a transfer it has already ended.
public protocol UpstreamBodyProducer: AnyObject, Sendable {
    /// The consumer took the buffer below the low-water mark after the
    /// producer had paused: resume the transfer.
    func resumeTransfer(of stream: UpstreamBodyStream)
    /// The consumer cancelled: abort the transfer and never reuse its
    /// connection (it is mid-body).
    func cancelTransfer(of stream: UpstreamBodyStream)
}
