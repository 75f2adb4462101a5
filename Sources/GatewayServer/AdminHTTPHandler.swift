import GatewayCore
import NIOCore
import NIOHTTP1

/// Serves the admin endpoints on their own listener, so scrapes and probes
/// never compete with client traffic for a route or a body limit.
final class AdminHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let endpoints: AdminEndpoints
    private var head: HTTPRequestHead?

    init(endpoints: AdminEndpoints) {
        self.endpoints = endpoints
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
        case .body:
            break
        case .end:
            guard let head else { return }
            self.head = nil
            let target = GatewayRequest.splitTarget(head.uri)
            let request = AdminRequest(method: head.method.rawValue, path: target.path, query: target.query,
                                       authorization: head.headers["Authorization"],
                                       client: context.channel.remoteAddress?.ipAddress ?? "unknown")
            let endpoints = self.endpoints
            let promise = context.eventLoop.makePromise(of: GatewayResponse.self)
            promise.completeWithTask { await endpoints.respond(request) }
            promise.futureResult.assumeIsolated().whenSuccess { response in
                let written = ResponseWriter.write(response, keepAlive: head.isKeepAlive, version: head.version, context: context,
                                                   headOnly: head.method == .HEAD)
                if !head.isKeepAlive {
                    written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                }
            }
        }
    }
}
