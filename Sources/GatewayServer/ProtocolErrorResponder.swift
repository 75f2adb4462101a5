import GatewayCore
import NIOCore
import NIOHTTP1

/// Answers a request the HTTP parser refused (Content-Length together with
/// Transfer-Encoding, duplicate Content-Length, malformed lines) with a 400
/// problem+json and `Connection: close`. Such a request is a smuggling
/// attempt or a broken client: nothing of it is forwarded, and the
/// connection is closed because its framing can no longer be trusted.
///
/// Modelled on NIO's `HTTPServerProtocolErrorHandler`, which sends an empty 400.
final class ProtocolErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private var hasUnterminatedResponse = false

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        // ByteToMessageDecoder closes the channel right after this returns, so
        // the answer has to be written synchronously, here.
        if !hasUnterminatedResponse {
            let problem = Problems.badRequest("the request could not be parsed as HTTP/1.1 (\(Self.describe(parserError))); the connection is closed")
            let body = problem.body
            let headers = HTTPHeaders([
                ("Content-Type", "application/problem+json"),
                ("Content-Length", String(body.count)),
                ("Connection", "close"),
            ])
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        }
        context.close(promise: nil)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200:
            hasUnterminatedResponse = true
        case .end:
            hasUnterminatedResponse = false
        default:
            break
        }
        context.write(data, promise: promise)
    }

    private static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .unexpectedContentLength: return "Content-Length together with Transfer-Encoding"
        case .invalidContentLength: return "invalid or duplicate Content-Length"
        case .invalidHeaderToken: return "invalid header"
        default: return "malformed request"
        }
    }
}
