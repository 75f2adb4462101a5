import GatewayCore
import NIOCore
import NIOHTTP1

/// The life of one client connection, as data: which request is being read,
/// processed or refused, what waits behind it, and when the connection times
/// out. Every transition is a `mutating func` that returns what the handler
/// must do, the way NIO's `HTTPServerPipelineHandler` is built, so the rules
/// can be tested without a socket and the handler only carries them out.
///
/// Requests a client pipelines wait in `backlog` while one is processed and
/// are taken up in order once it is answered; a parser error waits there too,
/// so its 400 comes after the answers to the requests before it.
struct ProxyConnectionStateMachine {
    /// A request whose head was accepted.
    struct Request {
        var head: HTTPRequestHead
        var target: RequestTarget
        /// When its head arrived.
        var started: NIODeadline
        /// Set by a quiesce event: the answer closes the connection.
        var closeAfter = false
    }

    enum State {
        /// Between requests since the given time; `keepaliveTimeout` runs.
        case idle(since: NIODeadline)
        /// Part of a head has arrived, `bytes` of raw input so far (whole
        /// reads); `headerTimeout` runs from the first byte.
        case receivingHead(since: NIODeadline, bytes: Int)
        /// The head is accepted and the body is being read; `bodyTimeout`
        /// runs from the last read.
        case receivingBody(Request, body: ByteBuffer, lastRead: NIODeadline)
        /// The pipeline has the request; input waits in the backlog.
        case processing(Request)
        /// The answer's head is out and its body streams from the upstream
        /// (`StreamedBodyWriter`); input waits in the backlog, or is dropped
        /// when the connection closes after it.
        case streaming(closeAfter: Bool)
        /// A closing answer is on its way out; input is dropped.
        case closing
        case closed
    }

    /// What waits in the backlog, in the order it arrived.
    enum Input {
        /// A read of that many raw bytes; `http09` when it starts a request
        /// with an HTTP/0.9 request line (see `ClientBytesRead`).
        case bytes(Int, http09: Bool)
        case part(HTTPServerRequestPart)
        case parserError(HTTPParserError)
    }

    enum Action {
        case none
        /// Write the interim `100 Continue`.
        case sendContinue
        /// Route the request and run the pipeline; answer with `responseReady`.
        case run(Request, body: ByteBuffer)
        /// Write the problem with `Connection: close`, then close. The head is
        /// nil when the refusal came before one was read.
        case refuse(HTTPRequestHead?, Problem)
        /// Close without a word.
        case close
    }

    /// What happens to the connection after the answer being written.
    enum Disposition {
        case keepAlive
        case close
        /// The connection closed while the request was processed.
        case discard
    }

    struct Limits {
        var maxRequestBody: ByteSize
        var maxHeaderBytes: Int
        var headerTimeout: TimeAmount
        var bodyTimeout: TimeAmount
        var keepaliveTimeout: TimeAmount
        var sendTimeout: TimeAmount
    }

    private(set) var state: State
    private var backlog = CircularBuffer<Input>()
    /// Since when the client has left the channel unwritable (more than the
    /// high watermark unsent), refreshed whenever a part of a response goes
    /// out; nil while it reads. Kept beside `state`, not in it: the write
    /// side runs on its own, an answer can still be going out while the next
    /// request is read.
    private var sendStalledSince: NIODeadline?
    private let limits: Limits
    private let allocator: ByteBufferAllocator

    init(limits: Limits, allocator: ByteBufferAllocator, now: NIODeadline) {
        self.limits = limits
        self.allocator = allocator
        self.state = .idle(since: now)
    }

    /// True while a request is processed or earlier input still waits: reads
    /// are then held back, and new input goes to the back of the backlog.
    var hasBacklog: Bool { !backlog.isEmpty }

    /// Between requests with nothing waiting: the next read starts a head.
    var isAwaitingRequest: Bool {
        if case .idle = state { return backlog.isEmpty }
        return false
    }

    var isOpen: Bool {
        switch state {
        case .closing, .closed: return false
        default: return true
        }
    }

    mutating func receive(_ input: Input, now: NIODeadline) -> Action {
        switch state {
        case .closing, .closed:
            return .none
        case .processing, .streaming(closeAfter: false):
            enqueue(input)
            return .none
        case .streaming(closeAfter: true):
            return .none
        case .idle, .receivingHead, .receivingBody:
            if hasBacklog {
                enqueue(input)
                return .none
            }
            return process(input, now: now)
        }
    }

    private mutating func enqueue(_ input: Input) {
        // After a parser error the decoder reports every later read as one
        // too, and nothing after the first can be answered anyway.
        if case .parserError = backlog.last { return }
        backlog.append(input)
    }

    /// The next waiting input's action; nil once the backlog is empty or a
    /// request is being processed again.
    mutating func nextBacklogged(now: NIODeadline) -> Action? {
        guard !backlog.isEmpty else { return nil }
        switch state {
        case .processing, .streaming, .closing, .closed: return nil
        case .idle, .receivingHead, .receivingBody: return process(backlog.removeFirst(), now: now)
        }
    }

    /// Switches on the input, then on the state: a switch over the pair
    /// would copy both into a tuple first (retaining the request's head and
    /// body) and destroy it after, several times a request.
    private mutating func process(_ input: Input, now: NIODeadline) -> Action {
        switch input {
        case .bytes(let count, let http09):
            switch state {
            case .idle:
                if http09 {
                    state = .closing
                    return .close
                }
                state = .receivingHead(since: now, bytes: count)
                return .none
            case .receivingHead(let since, let bytes):
                // Counted per read, so a head is refused at most one read after
                // it passed the limit; NIO's decoder counts the same limit
                // exactly but skips separators and whitespace.
                guard bytes <= limits.maxHeaderBytes else {
                    return refuse(nil, ClientProblems.headerTooLarge(limit: limits.maxHeaderBytes))
                }
                state = .receivingHead(since: since, bytes: bytes + count)
                return .none
            case .receivingBody(let request, let body, _):
                state = .receivingBody(request, body: body, lastRead: now)
                return .none
            default:
                return outOfOrder()
            }
        case .part(.head(let head)):
            switch state {
            case .idle, .receivingHead: return accept(head, now: now)
            default: return outOfOrder()
            }
        case .part(.body(var chunk)):
            guard case .receivingBody(let request, var body, _) = state else { return outOfOrder() }
            state = .closing  // drops the state's reference, so the append does not copy
            guard body.readableBytes + chunk.readableBytes <= limits.maxRequestBody.bytes else {
                return refuse(request.head, Problems.bodyTooLarge(limit: limits.maxRequestBody))
            }
            body.writeBuffer(&chunk)
            state = .receivingBody(request, body: body, lastRead: now)
            return .none
        case .part(.end):
            guard case .receivingBody(let request, let body, _) = state else { return outOfOrder() }
            state = .processing(request)
            return .run(request, body: body)
        case .parserError(let error):
            return refuse(nil, ParserErrorProblem.problem(for: error, maxHeaderBytes: limits.maxHeaderBytes))
        }
    }

    /// The decoder never produces parts in another order; anything else is
    /// a bug. Fail closed.
    private mutating func outOfOrder() -> Action {
        state = .closing
        backlog.removeAll()
        return .close
    }

    /// Checks a head before any of its body is read: a client that waits
    /// for 100 Continue never sends a body the gateway would refuse.
    private mutating func accept(_ head: HTTPRequestHead, now: NIODeadline) -> Action {
        // The head as it was on the wire, less optional whitespace: a head
        // that came in one read was never counted by `bytes`.
        var headBytes = head.uri.utf8.count + 14
        for (name, value) in head.headers { headBytes += name.utf8.count + value.utf8.count + 4 }
        guard headBytes <= limits.maxHeaderBytes else {
            return refuse(head, ClientProblems.headerTooLarge(limit: limits.maxHeaderBytes))
        }
        let target: RequestTarget
        switch RequestHeadCheck.check(head) {
        case .refused(let problem): return refuse(head, problem)
        case .accepted(let checked): target = checked
        }
        let expectation = Expectation(head)
        if expectation == .unsupported { return refuse(head, Problems.expectationFailed()) }
        let limit = limits.maxRequestBody.bytes
        let declared = head.headers.first(name: "content-length").flatMap(Int.init)
        if let declared, declared > limit { return refuse(head, Problems.bodyTooLarge(limit: limits.maxRequestBody)) }
        state = .receivingBody(Request(head: head, target: target, started: now),
                               body: allocator.buffer(capacity: min(declared ?? 0, limit)), lastRead: now)
        return expectation == .continueFirst ? .sendContinue : .none
    }

    /// Nothing after a refused request is answered: its framing, or the
    /// client's, cannot be trusted.
    private mutating func refuse(_ head: HTTPRequestHead?, _ problem: Problem) -> Action {
        state = .closing
        backlog.removeAll()
        return .refuse(head, problem)
    }

    /// The pipeline's answer to the request being processed is ready. A
    /// streamed one (`streamed` set) keeps the connection busy until
    /// `streamEnded`; a close-delimited one closes it.
    mutating func responseReady(draining: Bool, now: NIODeadline, streamed: StreamedBodyFraming? = nil) -> Disposition {
        guard case .processing(let request) = state else { return .discard }
        // While draining, every answer asks the client to reconnect elsewhere.
        if request.head.isKeepAlive, !request.closeAfter, !draining, streamed != .closeDelimited {
            state = streamed == nil ? .idle(since: now) : .streaming(closeAfter: false)
            return .keepAlive
        }
        state = streamed == nil ? .closing : .streaming(closeAfter: true)
        backlog.removeAll()
        return .close
    }

    /// The streamed body ended: completely (the connection may serve the
    /// next request, or closes as announced) or cut short (it closes: the
    /// client must see a truncated body, never a complete short one).
    mutating func streamEnded(completely: Bool, now: NIODeadline) -> Disposition {
        guard case .streaming(let closeAfter) = state else { return .discard }
        if completely, !closeAfter {
            state = .idle(since: now)
            return .keepAlive
        }
        state = .closing
        backlog.removeAll()
        return .close
    }

    /// A graceful shutdown: an idle connection closes now, a busy one after
    /// its current answer.
    mutating func quiesce() -> Action {
        switch state {
        case .idle, .receivingHead:
            state = .closing
            backlog.removeAll()
            return .close
        case .receivingBody(var request, let body, let lastRead):
            request.closeAfter = true
            state = .receivingBody(request, body: body, lastRead: lastRead)
        case .processing(var request):
            request.closeAfter = true
            state = .processing(request)
        case .streaming:
            state = .streaming(closeAfter: true)
            backlog.removeAll()
        case .closing, .closed:
            break
        }
        return .none
    }

    mutating func closed() {
        state = .closed
        backlog.removeAll()
    }

    mutating func writabilityChanged(writable: Bool, now: NIODeadline) {
        sendStalledSince = writable ? nil : now
        // A connection is idle only once its answer has left: the keepalive
        // timeout counts from then, and a stalled answer is `sendTimeout`'s.
        if writable, case .idle = state { state = .idle(since: now) }
    }

    /// A part of a response left: the client is reading, however slowly.
    mutating func wroteSome(now: NIODeadline) {
        if sendStalledSince != nil { sendStalledSince = now }
    }

    /// When the connection times out if nothing happens first.
    var deadline: NIODeadline? {
        if case .closed = state { return nil }
        let send = sendStalledSince.map { $0 + limits.sendTimeout }
        let read: NIODeadline?
        switch state {
        case .idle(let since): read = sendStalledSince == nil ? since + limits.keepaliveTimeout : nil
        case .receivingHead(let since, _): read = since + limits.headerTimeout
        case .receivingBody(_, _, let lastRead): read = lastRead + limits.bodyTimeout
        case .processing, .streaming, .closing, .closed: read = nil
        }
        guard let send else { return read }
        guard let read else { return send }
        return min(send, read)
    }

    /// The connection's timer fired: what is overdue, if anything. A client
    /// that stopped reading gets no answer (it would not read it); one whose
    /// request stopped arriving gets a 408; an idle one is closed silently.
    /// Also says which timeout it was, if one ran out, for the metrics.
    mutating func timerFired(now: NIODeadline) -> (Action, ClientTimeout?) {
        if let stalled = sendStalledSince, stalled + limits.sendTimeout <= now {
            if case .closed = state { return (.none, nil) }
            state = .closing
            backlog.removeAll()
            return (.close, .send)
        }
        switch state {
        case .idle(let since) where sendStalledSince == nil && since + limits.keepaliveTimeout <= now:
            state = .closing
            return (.close, .keepalive)
        case .receivingHead(let since, _) where since + limits.headerTimeout <= now:
            return (refuse(nil, ClientProblems.requestTimeout()), .header)
        case .receivingBody(let request, _, let lastRead) where lastRead + limits.bodyTimeout <= now:
            return (refuse(request.head, ClientProblems.requestTimeout()), .body)
        default:
            return (.none, nil)
        }
    }
}
