import GatewayCore
import NIOCore
import NIOHTTP1

/// Writes a `GatewayResponse` as one HTTP/1.1 response with a Content-Length.
/// The gateway always sends the whole body it holds, so it frames by length
/// and never forwards the upstream's own framing.
enum ResponseWriter {
    static func write(_ response: GatewayResponse, extraHeaders: [HeaderField] = [], keepAlive: Bool, version: HTTPVersion,
                      context: ChannelHandlerContext, headOnly: Bool = false) -> EventLoopFuture<Void> {
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + extraHeaders.count + 2)
        for field in response.headers { headers.add(name: field.name, value: field.value) }
        for field in extraHeaders { headers.add(name: field.name, value: field.value) }
        headers.add(name: "Content-Length", value: String(response.body.count))
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        let head = HTTPResponseHead(version: version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
        context.write(NIOAny(HTTPServerResponsePart.head(head)), promise: nil)
        if !headOnly, !response.body.isEmpty {
            let buffer = context.channel.allocator.buffer(bytes: response.body)
            context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        }
        return context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil)))
    }
}
