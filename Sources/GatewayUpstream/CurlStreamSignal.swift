internal import GatewayCore

/// What a stream's consumer asks of the curl thread, posted through the inbox.
enum CurlStreamSignal: Sendable {
    /// Drained to the low-water mark: unpause the transfer.
    case resume(UpstreamBodyStream)
    /// The consumer went away: abort the transfer, drop its connection.
    case cancel(UpstreamBodyStream)
}
