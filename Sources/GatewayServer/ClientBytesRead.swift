import NIOCore

/// The event `ClientByteCounter` sends ahead of each read: how many raw bytes
/// arrived. NIO's decoder only reports whole heads, so without it the handler
/// could not tell an idle connection from one whose head is half sent (a
/// silent close against a 408), nor count the bytes a head takes on the wire.
struct ClientBytesRead {
    var count: Int
}

/// Sits before the HTTP decoder and announces every read's size to
/// `ProxyHTTPHandler` (through the decoder, which passes events on).
final class ClientByteCounter: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let count = unwrapInboundIn(data).readableBytes
        context.fireUserInboundEventTriggered(ClientBytesRead(count: count))
        context.fireChannelRead(data)
    }
}
