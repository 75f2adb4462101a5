import NIOCore

/// Counts the `read` calls that reach the channel, to show when the handler
/// holds reads back.
final class ReadCounter: ChannelOutboundHandler {
    typealias OutboundIn = Any
    private(set) var reads = 0

    func read(context: ChannelHandlerContext) {
        reads += 1
        context.read()
    }
}
