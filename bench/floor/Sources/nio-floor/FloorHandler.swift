import NIOCore
import NIOHTTP1

/// Answers every request with what the benchmark's upstream answers (201 and
/// the same 100-byte JSON body), from memory. Nothing else: no routing, no
/// upstream call, no store. What this costs per request is what NIO's HTTP/1
/// server costs, so no gateway on this stack can cost less.
final class FloorHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private static let body: [UInt8] = Array(
        #"{"id":"ch_000000000000000001","object":"charge","amount":1999,"currency":"eur","status":"succeeded"}"#.utf8)

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // Head and body parts are read and dropped; the answer goes at the end.
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(Self.body.count))
        let head = HTTPResponseHead(version: .http1_1, status: .created, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: Self.body)))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}
