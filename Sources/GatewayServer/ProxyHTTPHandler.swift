import GatewayCore
import Logging
import NIOCore
import NIOHTTP1

/// Receives one request at a time on a client connection, enforces the body
/// limit, routes it, runs the pipeline on the connection's event loop and
/// writes the answer as one buffer (`HTTPResponseSerializer`).
///
/// It also does the job of NIO's `HTTPServerPipelineHandler`, which it
/// replaces: requests that a client pipelines behind the current one wait in
/// `backlog` and are answered in order, and a quiesce event closes the
/// connection once it is idle. It differs in one way that matters for speed:
/// NIO's handler stops reading while any response is pending, which costs
/// two `epoll_ctl` calls per request; this one keeps reading and holds reads
/// back only while pipelined parts are actually waiting, so a client that
/// does not pipeline never pays for it.
final class ProxyHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer)
        /// The request was refused before its body was read (over the
        /// limit: 413; an unmet expectation: 417). The answer is sent, the
        /// rest is dropped and the connection closes.
        case discarding
        case responding
    }

    /// What waits in the backlog: request parts, and where the parser gave
    /// up, so its 400 comes after the answers to the requests before it.
    private enum Inbound {
        case part(HTTPServerRequestPart)
        case parserError(HTTPParserError)
    }

    /// What `finish` needs to know about the request it answers.
    private struct Exchange {
        var head: HTTPRequestHead
        var requestID: String
        var routeName: String
        var started: NIODeadline
    }

    private let runtime: GatewayRuntime
    private let reporter: ExchangeReporter
    private var taskExecutor: EventLoopTaskExecutor?
    private var state = State.idle
    /// When the current request's head arrived.
    private var started = NIODeadline.now()
    /// Parts of requests pipelined behind the one being answered, in order.
    private var backlog = CircularBuffer<Inbound>()
    /// A `read` held back while the backlog was not empty.
    private var readHeld = false
    /// True while `drainBacklog` runs, so a response finished from inside it
    /// does not start a nested drain.
    private var isDrainingBacklog = false
    /// Set by a quiesce event while a response was pending: the connection
    /// closes once that response is written.
    private var closeAfterResponse = false
    /// Set once the parser failed: the decoder reports every later chunk as
    /// an error too, and those are not news.
    private var parserFailed = false

    init(runtime: GatewayRuntime) {
        self.runtime = runtime
        self.reporter = ExchangeReporter(logger: runtime.logger, metrics: runtime.metrics)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if isBusy {
            backlog.append(.part(part))
        } else {
            process(part, context: context)
        }
    }

    func read(context: ChannelHandlerContext) {
        if backlog.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if case .idle = state, backlog.isEmpty {
            context.close(promise: nil)
        } else {
            closeAfterResponse = true
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if parserFailed { return }
        if let parserError = error as? HTTPParserError {
            parserFailed = true
            if isBusy {
                backlog.append(.parserError(parserError))
            } else {
                refuseUnparsable(parserError, context: context)
            }
            return
        }
        runtime.logger.debug("connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// True while a response is pending or earlier input still waits: new
    /// input then goes to the back of the backlog, to keep the order.
    private var isBusy: Bool {
        if case .responding = state { return true }
        return !backlog.isEmpty
    }

    private func process(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (part, state) {
        case (.head(let head), .idle):
            started = .now()
            let expectation = Expectation(head)
            if expectation == .unsupported {
                refuseBody(context: context, head: head, problem: Problems.expectationFailed())
                return
            }
            let limit = runtime.maxRequestBody.bytes
            let declared = head.headers.first(name: "content-length").flatMap(Int.init)
            // Checked before any 100 Continue: a client that waits for one
            // never sends a body the gateway would refuse.
            if let declared, declared > limit {
                refuseBody(context: context, head: head, problem: Problems.bodyTooLarge(limit: runtime.maxRequestBody))
                return
            }
            if expectation == .continueFirst {
                context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: Self.continueLine)), promise: nil)
            }
            state = .receiving(head, context.channel.allocator.buffer(capacity: min(declared ?? 0, limit)))
        case (.body(var chunk), .receiving(let head, var buffer)):
            state = .responding  // drop our reference so the append does not copy
            guard buffer.readableBytes + chunk.readableBytes <= runtime.maxRequestBody.bytes else {
                refuseBody(context: context, head: head, problem: Problems.bodyTooLarge(limit: runtime.maxRequestBody))
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
            // The decoder never produces parts in another order; anything
            // else is a bug. Fail closed.
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
        var headers: [HeaderField] = []
        headers.reserveCapacity(head.headers.count + 1)
        for (name, value) in head.headers {
            switch name.utf8.count {
            // The gateway sets its own request id below.
            case 12 where name.caseInsensitiveEquals("x-request-id"): continue
            // Met by the gateway itself (see Expectation), and the upstream
            // gets the whole body at once.
            case 6 where name.caseInsensitiveEquals("expect"): continue
            default: headers.append(HeaderField(name: name, value: value))
            }
        }
        headers.append(HeaderField(name: "X-Request-Id", value: requestID))
        let request = GatewayRequest(method: method, path: path, query: query, headers: headers, body: body,
                                     clientAddress: context.channel.remoteAddress?.ipAddress)
        let exchange = Exchange(head: head, requestID: requestID, routeName: route.name, started: started)
        let pipeline = runtime.pipeline
        let promise = context.eventLoop.makePromise(of: PipelineResult.self)
        Task(executorPreference: executor(for: context.eventLoop)) {
            promise.succeed(await pipeline.handle(request, route: route))
        }
        promise.futureResult.assumeIsolated().whenSuccess { result in
            self.reporter.report(result, route: route, requestID: requestID)
            self.finish(context: context, exchange: exchange, result: result)
        }
    }

    private func executor(for eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        if let taskExecutor { return taskExecutor }
        let made = EventLoopTaskExecutor(eventLoop)
        taskExecutor = made
        return made
    }

    /// Writes the answer, records the request's metrics and log line, then
    /// moves on to any request pipelined behind it.
    private func finish(context: ChannelHandlerContext, exchange: Exchange, result: PipelineResult, closing: Bool = false) {
        // While draining, every answer asks the client to reconnect elsewhere.
        let keepAlive = !closing && exchange.head.isKeepAlive && !closeAfterResponse && !runtime.drainer.isDraining
        let framing = HTTPResponseSerializer.Framing(version: exchange.head.version, keepAlive: keepAlive,
                                                     headOnly: exchange.head.method == .HEAD)
        state = .idle
        // Nothing pipelined after a closing response is answered.
        if !keepAlive { backlog.removeAll() }
        write(result.response, requestID: exchange.requestID, framing: framing, context: context)
        reporter.record(ExchangeRecord(requestID: exchange.requestID, routeName: exchange.routeName,
                                       method: exchange.head.method.rawValue, started: exchange.started), result: result)
        if keepAlive { drainBacklog(context: context) }
    }

    /// Answers the pipelined requests that waited, for as long as each is
    /// answered at once; the first that needs the upstream or the store
    /// leaves the rest waiting for its response.
    private func drainBacklog(context: ChannelHandlerContext) {
        guard !isDrainingBacklog else { return }
        isDrainingBacklog = true
        defer { isDrainingBacklog = false }
        while !backlog.isEmpty {
            if case .responding = state { return }
            switch backlog.removeFirst() {
            case .part(let part):
                process(part, context: context)
            case .parserError(let error):
                backlog.removeAll()
                refuseUnparsable(error, context: context)
                return
            }
        }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    /// The interim response to `Expect: 100-continue`.
    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Answers a request whose body the gateway will not read (too large, or
    /// an expectation it cannot meet) and closes the connection: the body
    /// may still be on its way, and reading it only costs bandwidth.
    private func refuseBody(context: ChannelHandlerContext, head: HTTPRequestHead, problem: Problem) {
        state = .responding
        let path = GatewayRequest.splitTarget(head.uri).path
        let routeName = runtime.routes.route(method: head.method.rawValue, path: path)?.name ?? GatewayMetrics.unmatchedRoute
        let exchange = Exchange(head: head, requestID: RequestID.resolve(head.headers.first(name: "x-request-id")),
                                routeName: routeName, started: started)
        finish(context: context, exchange: exchange,
               result: PipelineResult(response: problem.response, outcome: .rejected),
               closing: true)
        state = .discarding
    }

    /// Nothing of a request whose framing cannot be trusted is forwarded,
    /// and nothing after it on the connection can be trusted either.
    private func refuseUnparsable(_ error: HTTPParserError, context: ChannelHandlerContext) {
        state = .discarding
        write(ParserErrorProblem.problem(for: error).response, requestID: nil,
              framing: HTTPResponseSerializer.Framing(version: .http1_1, keepAlive: false, headOnly: false), context: context)
    }

    /// Writes one whole response; one that ends the connection closes it
    /// once the write is done, not before: a body larger than the socket's
    /// send buffer is still being written when `writeAndFlush` returns.
    private func write(_ response: GatewayResponse, requestID: String?, framing: HTTPResponseSerializer.Framing,
                       context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: HTTPResponseSerializer.estimatedSize(response, requestID: requestID))
        HTTPResponseSerializer.write(response, requestID: requestID, framing: framing, into: &buffer)
        guard !framing.keepAlive else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            return
        }
        context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }
}
