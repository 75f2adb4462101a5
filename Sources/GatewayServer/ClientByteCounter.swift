import NIOCore

/// Sits before the HTTP decoder and announces every read's size to
/// `ProxyHTTPHandler` (through the decoder, which passes events on).
final class ClientByteCounter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireUserInboundEventTriggered(ClientBytesRead(buffer: unwrapInboundIn(data)))
        context.fireChannelRead(data)
    }
}
