internal import CHiredis
import GatewayCore
import NIOCore

/// The Redis connection's only channel handler: feeds what arrives to
/// hiredis's RESP parser (the one `redisGetReply` uses, without its socket;
/// pure computation, so it may run on the event loop), hands each complete
/// reply to its link as a `RedisReply`, and tells the link when the
/// connection goes.
///
/// Not `Sendable`: it lives in one channel's pipeline, on its event loop.
final class RedisLinkHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let link: RedisLink
    private let reader: UnsafeMutablePointer<redisReader>

    init(link: RedisLink) {
        guard let reader = redisReaderCreate() else {
            fatalError("redisReaderCreate returned NULL: out of memory")
        }
        self.link = link
        self.reader = reader
    }

    deinit {
        redisReaderFree(reader)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let fed = buffer.withUnsafeReadableBytes { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return true }
            return redisReaderFeed(reader, base.assumingMemoryBound(to: CChar.self), bytes.count) == REDIS_OK
        }
        guard fed else {
            link.connectionLost(context.channel, because: StoreUnavailable("hiredis could not take the bytes Redis sent"))
            return
        }
        do throws(StoreUnavailable) {
            while let reply = try nextReply() {
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

    /// The next complete reply, nil when more bytes are needed. Throws on a
    /// protocol error: the stream cannot be resynchronised after one.
    private func nextReply() throws(StoreUnavailable) -> RedisReply? {
        var raw: UnsafeMutableRawPointer?
        guard redisReaderGetReply(reader, &raw) == REDIS_OK else {
            let reason = gateway_redis_reader_error(reader).map { String(cString: $0) } ?? "protocol error"
            throw StoreUnavailable("Redis sent a reply that is not RESP: \(reason)")
        }
        guard let raw else { return nil }
        defer { freeReplyObject(raw) }
        return Self.decode(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Copies what the reply keeps out of hiredis's tree, which is freed
    /// right after.
    private static func decode(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulk(Array(UnsafeRawBufferPointer(start: value.str, count: value.len)))
        case REDIS_REPLY_STATUS:
            return .status(text(value))
        case REDIS_REPLY_ERROR:
            return .error(text(value))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<value.elements).map { decode(value.element[$0]!) })
        default:
            return .null
        }
    }

    private static func text(_ value: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: value.str, count: value.len), as: UTF8.self)
    }
}
