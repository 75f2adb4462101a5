import GatewayCore
import NIOCore

/// The Redis connection's only channel handler: feeds what arrives to
/// hiredis's reply parser and hands each complete reply to its link, and
/// tells the link when the connection goes.
final class RedisLinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let link: RedisLink
    private let reader = RedisReplyReader()

    init(link: RedisLink) {
        self.link = link
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let fed = buffer.withUnsafeReadableBytes { reader.feed($0) }
        guard fed else {
            link.connectionLost(context.channel, because: StoreUnavailable("hiredis could not take the bytes Redis sent"))
            return
        }
        do throws(StoreUnavailable) {
            while let reply = try reader.next() {
                link.received(reply, on: context.channel)
            }
        } catch {
            link.connectionLost(context.channel, because: error)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        link.connectionLost(context.channel, because: StoreUnavailable("server closed the connection"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        link.connectionLost(context.channel, because: StoreUnavailable("connection failed: \(error)"))
    }
}
