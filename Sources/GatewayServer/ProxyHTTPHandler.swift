#if canImport(Glibc)
import Glibc
#endif
import GatewayCore
import Logging
import NIOCore
import NIOHTTP1

/// Carries out `ProxyConnectionStateMachine` on a client connection: feeds it
/// the decoder's parts, the raw read sizes (`ClientBytesRead`), parser
/// errors, quiesce events, writability and the connection's one timer, and
/// does what it answers: route and run the pipeline on the connection's
/// event loop, write answers as one buffer (`HTTPResponseSerializer`),
/// refuse, close.
///
/// It does the job of NIO's `HTTPServerPipelineHandler`, which it replaces,
/// with one difference that matters for speed: NIO's handler stops reading
/// while any response is pending, which costs two `epoll_ctl` calls per
/// request; this one keeps reading and holds reads back only while pipelined
/// input actually waits, so a client that does not pipeline never pays.
final class ProxyHTTPHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What `finish` needs to know about the request it answers.
    private struct Exchange {
        var head: HTTPRequestHead
        var record: ExchangeRecord
        /// Over the metrics of the snapshot the request was routed with.
        var reporter: ExchangeReporter
    }

    private let runtime: GatewayRuntime
    /// The snapshot the last request used; each request checks it is still
    /// the latest (`RuntimeSnapshots.refreshed`) and keeps it to its end.
    private var snapshot: RuntimeSnapshot
    private let limits: ProxyConnectionStateMachine.Limits
    private var machine: ProxyConnectionStateMachine
    private var taskExecutor: EventLoopTaskExecutor?
    /// The connection's one timer. It never sleeps past the shortest
    /// timeout, so a new deadline can only be later than it: it is never
    /// moved, only re-armed when it fires early (see `armTimer`).
    private var timer: Scheduled<Void>?
    /// Writes the streamed body while the machine is `.streaming`; nil
    /// otherwise. Cancelled whenever the connection goes away first.
    private var streamWriter: StreamedBodyWriter?
    /// The peer's IP address as text, once known: a connection's peer never
    /// changes, and formatting it (inet_ntop into a new string) cost about
    /// 2,800 instructions per request.
    private var peerAddress: String??

    init(runtime: GatewayRuntime) {
        self.runtime = runtime
        self.snapshot = runtime.snapshots.current
        self.limits = ProxyConnectionStateMachine.Limits(
            maxRequestBody: runtime.maxRequestBody, maxHeaderBytes: runtime.client.maxHeaderBytes,
            headerTimeout: TimeAmount(runtime.client.headerTimeout), bodyTimeout: TimeAmount(runtime.client.bodyTimeout),
            keepaliveTimeout: TimeAmount(runtime.client.keepaliveTimeout), sendTimeout: TimeAmount(runtime.client.sendTimeout))
        self.machine = ProxyConnectionStateMachine(limits: limits, allocator: ByteBufferAllocator(), now: .now())
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // The loop's clock, so tests can move it.
        machine = ProxyConnectionStateMachine(limits: limits, allocator: context.channel.allocator, now: context.eventLoop.now)
        armTimer(context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        perform(machine.receive(.part(unwrapInboundIn(data)), now: context.eventLoop.now), context: context)
        armTimer(context: context)
    }

    func read(context: ChannelHandlerContext) {
        // Held back while pipelined input waits; `drainBacklog` reads again.
        if !machine.hasBacklog { context.read() }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let bytes = event as? ClientBytesRead {
            // Only where a request starts; a later one in the same read or
            // behind a backlog would wait for its header timeout instead.
            let http09 = machine.isAwaitingRequest && bytes.startsWithHTTP09Line
            perform(machine.receive(.bytes(bytes.buffer.readableBytes, http09: http09), now: context.eventLoop.now), context: context)
            armTimer(context: context)
        } else if event is ChannelShouldQuiesceEvent {
            perform(machine.quiesce(), context: context)
        } else {
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let parserError = error as? HTTPParserError {
            perform(machine.receive(.parserError(parserError), now: context.eventLoop.now), context: context)
            return
        }
        runtime.logger.debug("connection error", metadata: ["error": "\(error)"])
        cancelStream()
        context.close(promise: nil)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        machine.writabilityChanged(writable: context.channel.isWritable, now: context.eventLoop.now)
        streamWriter?.writabilityChanged()
        armTimer(context: context)
        context.fireChannelWritabilityChanged()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelStream()
        machine.closed()
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelStream()
    }

    private func perform(_ action: ProxyConnectionStateMachine.Action, context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .sendContinue:
            context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: Self.continueLine)), promise: nil)
        case .run(let request, let body):
            handle(context: context, request: request, body: body)
        case .refuse(let head, let problem):
            refuse(head, problem: problem, context: context)
        case .close:
            cancelStream()
            context.close(promise: nil)
        }
    }

    private func handle(context: ChannelHandlerContext, request: ProxyConnectionStateMachine.Request, body: ByteBuffer) {
        let head = request.head
        let path = request.target.path
        let method = head.method.rawValue
        let requestID = RequestID.resolve(head.headers.first(name: "x-request-id"))
        // One snapshot for the whole request: routed, run and recorded
        // under the configuration it started with.
        let snapshot = runtime.snapshots.refreshed(self.snapshot)
        self.snapshot = snapshot
        let reporter = ExchangeReporter(logger: runtime.logger, metrics: snapshot.metrics, exporter: runtime.spanExporter)
        let clientAddress = remoteIP(context)
        // Polls of async operations are the gateway's own, where a route has `async`.
        let polled = snapshot.routes.servesOperations && method == "GET" && path.hasPrefix(RequestPipeline.operationsPath)
        let matched = polled ? nil : snapshot.routes.route(method: method, path: path).map(MatchedRoute.init)
        guard polled || matched != nil else {
            let record = ExchangeRecord(requestID: requestID, routeName: GatewayMetrics.unmatchedRoute, head: head, path: path,
                                        clientAddress: clientAddress, upstreamName: nil, bytesIn: body.readableBytes,
                                        trace: ClientRequestHeaders.trace(head.headers), started: request.started)
            finish(context: context, exchange: Exchange(head: head, record: record, reporter: reporter), result: PipelineResult(
                response: Problems.noRoute(method: method, path: path).response, outcome: .rejected))
            return
        }
        let (headers, trace) = ClientRequestHeaders.forwarded(head.headers, authority: request.target.authority, requestID: requestID,
                                                                  exporter: runtime.spanExporter)
        var body = body
        let bytesIn = body.readableBytes
        let forwarded = GatewayRequest(method: method, path: path, query: request.target.query, headers: headers,
                                       body: body.readBytes(length: bytesIn) ?? [], clientAddress: clientAddress, trace: trace)
        let started = request.started
        // The snapshot (a class) travels instead of copies of its pipeline
        // and routes, and the route as a `MatchedRoute`.
        let promise = context.eventLoop.makePromise(of: (result: PipelineResult, route: MatchedRoute?).self)
        Task(executorPreference: executor(for: context.eventLoop)) {
            if let matched {
                promise.succeed((await snapshot.pipeline.handle(forwarded, route: matched.route), matched))
            } else {
                let (result, route) = await snapshot.pipeline.poll(path.dropFirst(RequestPipeline.operationsPath.count),
                                                                   request: forwarded, routes: snapshot.routes)
                promise.succeed((result, route.map(MatchedRoute.init)))
            }
        }
        promise.futureResult.assumeIsolated().whenSuccess { answered in
            let (result, matched) = answered
            // A poll counts under its operation's route, once it is known.
            let record = ExchangeRecord(requestID: requestID, routeName: matched?.route.name ?? GatewayMetrics.unmatchedRoute,
                                        head: head, path: path, clientAddress: clientAddress,
                                        upstreamName: matched?.route.upstream.name, bytesIn: bytesIn, trace: trace, started: started)
            let exchange = Exchange(head: head, record: record, reporter: reporter)
            if let matched { reporter.report(result, route: matched.route, requestID: requestID, trace: trace) }
            self.finish(context: context, exchange: exchange, result: result)
            self.drainBacklog(context: context)
            self.armTimer(context: context)
        }
    }

    private func remoteIP(_ context: ChannelHandlerContext) -> String? {
        if let peerAddress { return peerAddress }
        let address = context.channel.remoteAddress?.ipAddress
        peerAddress = .some(address)
        return address
    }

    private func executor(for eventLoop: any EventLoop) -> EventLoopTaskExecutor {
        if let taskExecutor { return taskExecutor }
        let made = EventLoopTaskExecutor(eventLoop)
        taskExecutor = made
        return made
    }

    /// Writes the answer and records the request's metrics and log line.
    private func finish(context: ChannelHandlerContext, exchange: Exchange, result: PipelineResult) {
        let streamed = StreamedBodyFraming(result.response.bodyStream, head: exchange.head)
        let disposition = machine.responseReady(draining: runtime.drainer.isDraining, now: context.eventLoop.now, streamed: streamed)
        if disposition != .discard {
            let framing = HTTPResponseSerializer.Framing(version: exchange.head.version, keepAlive: disposition == .keepAlive,
                                                         headOnly: exchange.head.method == .HEAD, streamed: streamed)
            if let stream = result.response.bodyStream, streamed != nil {
                startStreaming(result.response, stream: stream, requestID: exchange.record.requestID, framing: framing, context: context)
            } else {
                write(result.response, requestID: exchange.record.requestID, framing: framing, context: context)
            }
        }
        // A stream nobody will write (HEAD, a closed connection) is stopped now.
        if disposition == .discard || streamed == nil { result.response.bodyStream?.cancel() }
        exchange.reporter.record(exchange.record, result: result,
                                 bytesOut: ExchangeRecord.bodyBytes(result.response, streamed: streamed, written: disposition != .discard,
                                                          head: exchange.head.method == .HEAD))
    }

    /// Hands a streamed body to its writer; the machine is `.streaming`
    /// until the writer reports its end.
    private func startStreaming(_ response: GatewayResponse, stream: UpstreamBodyStream, requestID: String,
                                framing: HTTPResponseSerializer.Framing, context: ChannelHandlerContext) {
        guard let streamed = framing.streamed else { return }
        let writer = StreamedBodyWriter(stream: stream, framing: streamed, context: context, executor: executor(for: context.eventLoop),
                                        progress: { self.machine.wroteSome(now: context.eventLoop.now) },
                                        ended: { self.streamEnded($0, context: context) })
        streamWriter = writer
        writer.start(response, requestID: requestID, httpFraming: framing)
    }

    /// A complete body lets the connection go on (or close as announced,
    /// once the last byte left); a broken one closes it at once.
    private func streamEnded(_ ending: StreamedBodyWriter.Ending, context: ChannelHandlerContext) {
        streamWriter = nil
        guard case .complete(let lastWrite) = ending else {
            _ = machine.streamEnded(completely: false, now: context.eventLoop.now)
            context.close(promise: nil)
            return
        }
        switch machine.streamEnded(completely: true, now: context.eventLoop.now) {
        case .keepAlive:
            drainBacklog(context: context)
            armTimer(context: context)
        case .close:
            LingeringClose.after(lastWrite, context: context)
        case .discard:
            break
        }
    }

    private func cancelStream() {
        streamWriter?.cancel()
        streamWriter = nil
    }

    /// Takes up the input that waited behind the answered request, for as
    /// long as each is answered at once; the first that needs the pipeline
    /// leaves the rest waiting. Reads resume once nothing waits.
    private func drainBacklog(context: ChannelHandlerContext) {
        guard machine.hasBacklog else { return }
        while let action = machine.nextBacklogged(now: context.eventLoop.now) {
            perform(action, context: context)
        }
        if !machine.hasBacklog, machine.isOpen { context.read() }
    }

    /// Arms the timer for the machine's deadline, or for the shortest
    /// timeout from now if that comes first: every later deadline is at
    /// least that far off, so the timer is never late and never moved.
    private func armTimer(context: ChannelHandlerContext) {
        guard timer == nil, let deadline = machine.deadline else { return }
        let fireAt = min(deadline, context.eventLoop.now + runtime.client.shortestTimeout)
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: fireAt) {
            self.timer = nil
            let (action, timeout) = self.machine.timerFired(now: context.eventLoop.now)
            if let timeout { self.snapshot.metrics.clientTimedOut(timeout) }
            if timeout == .send {
                // A reset, not a FIN: the FIN would wait behind the unsent
                // answer for a client that does not read, and the kernel
                // would keep its buffers meanwhile (nginx's
                // `reset_timedout_connection`). The client learns at once.
                _ = (context.channel as? any SocketOptionProvider)?.setSoLinger(linger(l_onoff: 1, l_linger: 0))
            }
            self.perform(action, context: context)
            self.armTimer(context: context)
        }
    }

    /// The interim response to `Expect: 100-continue`.
    private static let continueLine = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Answers a request the gateway will not read or forward, then closes:
    /// its body may still be on its way, and reading it only costs bandwidth.
    private func refuse(_ head: HTTPRequestHead?, problem: Problem, context: ChannelHandlerContext) {
        let result = PipelineResult(response: problem.response, outcome: .rejected)
        guard let head else {
            write(result.response, requestID: nil, framing: .init(version: .http1_1, keepAlive: false, headOnly: false), context: context)
            return
        }
        let requestID = RequestID.resolve(head.headers.first(name: "x-request-id"))
        let snapshot = runtime.snapshots.refreshed(self.snapshot)
        self.snapshot = snapshot
        let target = try? RequestTarget.parse(head.uri)
        let route = target.flatMap { snapshot.routes.route(method: head.method.rawValue, path: $0.path) }
        let routeName = route?.name
        write(result.response, requestID: requestID,
              framing: .init(version: head.version, keepAlive: false, headOnly: head.method == .HEAD), context: context)
        let record = ExchangeRecord(requestID: requestID, routeName: routeName ?? GatewayMetrics.unmatchedRoute, head: head,
                                    path: target?.path ?? "-", clientAddress: remoteIP(context),
                                    upstreamName: route?.upstream.name, bytesIn: 0,
                                    trace: ClientRequestHeaders.trace(head.headers), started: .now())
        ExchangeReporter(logger: runtime.logger, metrics: snapshot.metrics).record(record, result: result,
                                                                                  bytesOut: head.method == .HEAD ? 0 : result.response.body.count)
    }

    /// Larger answers go out in slices of this size, each reporting when it
    /// left, so `send_timeout` measures a client that stopped reading, not
    /// one that reads a large answer slowly.
    private static let sliceSize = 64 << 10

    /// Writes one whole response; one that ends the connection closes it
    /// once the write is done, not before: a body larger than the socket's
    /// send buffer is still being written when `writeAndFlush` returns.
    private func write(_ response: GatewayResponse, requestID: String?, framing: HTTPResponseSerializer.Framing,
                       context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: HTTPResponseSerializer.estimatedSize(response, requestID: requestID))
        HTTPResponseSerializer.write(response, requestID: requestID, framing: framing, into: &buffer)
        while buffer.readableBytes > Self.sliceSize, let slice = buffer.readSlice(length: Self.sliceSize) {
            context.write(wrapOutboundOut(slice)).assumeIsolated().whenSuccess {
                self.machine.wroteSome(now: context.eventLoop.now)
            }
        }
        guard !framing.keepAlive else {
            context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
            return
        }
        LingeringClose.after(context.writeAndFlush(wrapOutboundOut(buffer)), context: context)
    }
}
