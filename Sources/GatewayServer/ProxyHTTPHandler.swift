import GatewayCore
import Logging
import NIOCore
import NIOHTTP1

/// Receives one request at a time on a client connection, enforces the body
/// limit, routes it, runs the pipeline off the event loop and writes the
/// answer. NIO's `HTTPServerPipelineHandler` in front of it holds back
/// pipelined requests until each response is written.
final class ProxyHTTPHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The body exceeded the limit: the 413 is sent, the rest is dropped
        /// and the connection closes, since reading a body we refuse only
        /// costs bandwidth.
        case discarding
        case responding
    }

    private let runtime: GatewayRuntime
    private var state = State.idle

    init(runtime: GatewayRuntime) {
        self.runtime = runtime
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            let limit = runtime.maxRequestBody.bytes
            if let declared = head.headers.first(name: "content-length").flatMap(Int.init), declared > limit {
                refuseBody(context: context, head: head)
                return
            }
            let declared = head.headers.first(name: "content-length").flatMap(Int.init) ?? 0
            state = .receiving(head, context.channel.allocator.buffer(capacity: min(declared, limit)))
        case (.body(var chunk), .receiving(let head, var buffer)):
            state = .responding  // drop our reference so the append does not copy
            guard buffer.readableBytes + chunk.readableBytes <= runtime.maxRequestBody.bytes else {
                refuseBody(context: context, head: head)
                return
            }
            buffer.writeBuffer(&chunk)
            state = .receiving(head, buffer)
        case (.end, .receiving(let head, var buffer)):
            state = .responding
            let body = buffer.readBytes(length: buffer.readableBytes) ?? []
            handle(context: context, head: head, body: body)
        case (_, .discarding):
            break
        default:
            // The pipelining handler never lets a second head through before
            // our response ends; anything else is a decoder bug. Fail closed.
            context.close(promise: nil)
        }
    }

    private func handle(context: ChannelHandlerContext, head: HTTPRequestHead, body: [UInt8]) {
        let (path, query) = GatewayRequest.splitTarget(head.uri)
        let method = head.method.rawValue
        let keepAlive = head.isKeepAlive
        guard let route = runtime.routes.route(method: method, path: path) else {
            finish(context: context, response: Problems.noRoute(method: method, path: path).response, head: head, keepAlive: keepAlive)
            return
        }
        let request = GatewayRequest(
            method: method, path: path, query: query,
            headers: head.headers.map { HeaderField(name: $0.name, value: $0.value) },
            body: body, clientAddress: context.channel.remoteAddress?.ipAddress)
        let pipeline = runtime.pipeline
        let promise = context.eventLoop.makePromise(of: PipelineResult.self)
        promise.completeWithTask { await pipeline.handle(request, route: route) }
        promise.futureResult.assumeIsolated().whenSuccess { result in
            self.report(result, route: route)
            self.finish(context: context, response: result.response, head: head, keepAlive: keepAlive)
        }
    }

    private func finish(context: ChannelHandlerContext, response: GatewayResponse, head: HTTPRequestHead, keepAlive: Bool) {
        let written = ResponseWriter.write(response, keepAlive: keepAlive, version: head.version, context: context,
                                           headOnly: head.method == .HEAD)
        state = .idle
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
    }

    private func refuseBody(context: ChannelHandlerContext, head: HTTPRequestHead) {
        state = .discarding
        let response = Problems.bodyTooLarge(limit: runtime.maxRequestBody).response
        ResponseWriter.write(response, keepAlive: false, version: head.version, context: context)
            .assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func report(_ result: PipelineResult, route: Route) {
        for event in result.events {
            switch event {
            case .storeError(let operation, let reason):
                runtime.logger.warning("store operation failed", metadata: [
                    "route": "\(route.name)", "operation": "\(operation)", "reason": "\(reason)",
                    "key.hash": "\(result.keyDigest ?? "-")",
                ])
            case .leaseLost:
                runtime.logger.warning("claim lease lost before settling", metadata: [
                    "route": "\(route.name)", "key.hash": "\(result.keyDigest ?? "-")",
                ])
            case .upstreamFailure(let kind, let message):
                runtime.logger.notice("upstream call failed", metadata: [
                    "route": "\(route.name)", "upstream": "\(route.upstream.name)", "kind": "\(kind)", "reason": "\(message)",
                ])
            case .stored:
                break
            }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        runtime.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
