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

    /// What `finish` needs to know about the request it answers.
    private struct Exchange {
        var head: HTTPRequestHead
        var requestID: String
        var routeName: String
        var started: NIODeadline
    }

    private let runtime: GatewayRuntime
    private var state = State.idle
    /// When the current request's head arrived.
    private var started = NIODeadline.now()

    init(runtime: GatewayRuntime) {
        self.runtime = runtime
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), .idle):
            started = .now()
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
        let requestID = RequestID.resolve(head.headers.first(name: "x-request-id"))
        guard let route = runtime.routes.route(method: method, path: path) else {
            let exchange = Exchange(head: head, requestID: requestID, routeName: GatewayMetrics.unmatchedRoute, started: started)
            finish(context: context, exchange: exchange, result: PipelineResult(
                response: Problems.noRoute(method: method, path: path).response, outcome: .rejected))
            return
        }
        var headers = head.headers.map { HeaderField(name: $0.name, value: $0.value) }
        headers.remove(named: "x-request-id")
        headers.append(HeaderField(name: "X-Request-Id", value: requestID))
        let request = GatewayRequest(method: method, path: path, query: query, headers: headers, body: body,
                                     clientAddress: context.channel.remoteAddress?.ipAddress)
        let exchange = Exchange(head: head, requestID: requestID, routeName: route.name, started: started)
        let pipeline = runtime.pipeline
        let promise = context.eventLoop.makePromise(of: PipelineResult.self)
        promise.completeWithTask { await pipeline.handle(request, route: route) }
        promise.futureResult.assumeIsolated().whenSuccess { result in
            self.report(result, route: route, requestID: requestID)
            self.finish(context: context, exchange: exchange, result: result)
        }
    }

    /// Writes the answer, then records the request's metrics and log line.
    private func finish(context: ChannelHandlerContext, exchange: Exchange, result: PipelineResult) {
        // While draining, every answer asks the client to reconnect elsewhere.
        let keepAlive = exchange.head.isKeepAlive && !runtime.drainer.isDraining
        let written = ResponseWriter.write(result.response, extraHeaders: [HeaderField(name: "X-Request-Id", value: exchange.requestID)],
                                           keepAlive: keepAlive, version: exchange.head.version, context: context,
                                           headOnly: exchange.head.method == .HEAD)
        state = .idle
        if !keepAlive {
            written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
        }
        let elapsed = NIODeadline.now() - exchange.started
        runtime.metrics.request(route: exchange.routeName, outcome: result.outcome, nanoseconds: elapsed.nanoseconds)
        // The metadata costs a dictionary and six strings per request: build
        // it only when the line will be written.
        guard runtime.logger.logLevel <= .info else { return }
        var metadata: Logger.Metadata = [
            "request.id": "\(exchange.requestID)",
            "route": "\(exchange.routeName)",
            "method": "\(exchange.head.method.rawValue)",
            "status": "\(result.response.status)",
            "outcome": "\(result.outcome.rawValue)",
            "duration_ms": "\(Double(elapsed.nanoseconds) / 1e6)",
        ]
        if let upstream = result.upstreamDuration {
            let (seconds, attoseconds) = upstream.components
            metadata["upstream_ms"] = "\(Double(seconds) * 1e3 + Double(attoseconds) / 1e15)"
        }
        if let digest = result.keyDigest { metadata["key.hash"] = "\(digest)" }
        runtime.logger.info("request", metadata: metadata)
    }
    private func refuseBody(context: ChannelHandlerContext, head: HTTPRequestHead) {
        state = .discarding
        let path = GatewayRequest.splitTarget(head.uri).path
        let routeName = runtime.routes.route(method: head.method.rawValue, path: path)?.name ?? GatewayMetrics.unmatchedRoute
        var closing = head
        closing.headers.replaceOrAdd(name: "connection", value: "close")
        let exchange = Exchange(head: closing, requestID: RequestID.resolve(head.headers.first(name: "x-request-id")),
                                routeName: routeName, started: started)
        finish(context: context, exchange: exchange,
               result: PipelineResult(response: Problems.bodyTooLarge(limit: runtime.maxRequestBody).response, outcome: .rejected))
        state = .discarding
    }

    private func report(_ result: PipelineResult, route: Route, requestID: String) {
        var leaseLossReported = false
        for event in result.events {
            switch event {
            case .storeError(let operation, let reason):
                runtime.logger.warning("store operation failed", metadata: [
                    "request.id": "\(requestID)", "route": "\(route.name)", "operation": "\(operation)", "reason": "\(reason)",
                    "key.hash": "\(result.keyDigest ?? "-")",
                ])
            case .leaseLost:
                // Once per request: renewal and settling may both find out.
                guard !leaseLossReported else { continue }
                leaseLossReported = true
                runtime.metrics.leaseLost(route: route.name)
                runtime.logger.warning("idempotency lease lost", metadata: [
                    "request.id": "\(requestID)", "route": "\(route.name)", "key.hash": "\(result.keyDigest ?? "-")",
                    "fence": "\(result.fence.map(String.init) ?? "-")",
                ])
            case .upstreamFailure(let kind, let message):
                runtime.logger.notice("upstream call failed", metadata: [
                    "request.id": "\(requestID)", "route": "\(route.name)", "upstream": "\(route.upstream.name)", "kind": "\(kind)", "reason": "\(message)",
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
