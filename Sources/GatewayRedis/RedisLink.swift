import GatewayCore
import Logging
import NIOCore
import NIOPosix

/// One connection to one Redis node, driven by one event loop: the loop that
/// also serves the HTTP requests whose commands it carries.
///
/// Why on the event loop, not on a thread of its own: a request's claim then
/// never leaves the loop. The command is formatted into the connection's
/// outbound buffer, every command queued in the same loop tick goes out in
/// one write (pipelining without a batch thread), and the reply is parsed and
/// handed back on the same thread. The blocking-context workers this
/// replaces cost two thread hops per round trip, and on a busy 2-core machine
/// each hop was a context switch. The only hiredis calls made here are its
/// formatter and its reply parser, which never block.
///
/// Semantics kept from the workers: a command waits at most `timeout` in
/// all (queued and in flight); commands past their deadline are failed
/// without being sent; a timeout or a lost connection fails every command in
/// flight, since after either nobody knows which reply belongs to which
/// command; a failed connect starts a backoff during which commands fail at
/// once; NOSCRIPT falls back to EVAL; ASKING precedes its command in the
/// same write.
///
/// Not `Sendable`: every method runs on `eventLoop`; `RedisNode` puts
/// it in a `NIOLoopBoundBox`, which checks that.
final class RedisLink {
    private enum Phase {
        case disconnected
        case connecting
        /// Connected; the handshake's replies are still outstanding.
        case handshaking(any Channel)
        case ready(any Channel)
        case shutDown
    }

    let eventLoop: any EventLoop
    private let endpoint: RedisEndpoint
    private let timeout: Duration
    private let scripts: [RedisScript]
    private let logger: Logger
    private var phase = Phase.disconnected
    /// Waiting for the connection (connecting or handshaking).
    private var queued = CircularBuffer<RedisLinkCommand>()
    /// Written, in order; replies arrive in the same order.
    private var inFlight = CircularBuffer<RedisLinkCommand>()
    /// Commands formatted in this loop tick, written by `flush`.
    private var outbound: ByteBuffer?
    private var flushScheduled = false
    /// Fires at the oldest in-flight deadline, then checks again.
    private var deadlineTimer: Scheduled<Void>?
    private var backoff = RedisReconnectBackoff()
    /// Why the link last failed; repeated while in backoff.
    private var lastFailure: StoreUnavailable?
    /// True from the first failed connect until a connect succeeds, so an
    /// outage is logged once rather than on every backoff attempt.
    private var isInOutage = false
    private var hasConnectedBefore = false

    init(eventLoop: any EventLoop, endpoint: RedisEndpoint, timeout: Duration, scripts: [RedisScript], logger: Logger) {
        self.eventLoop = eventLoop
        self.endpoint = endpoint
        self.timeout = timeout
        self.scripts = scripts
        self.logger = logger
    }

    // MARK: Commands in

    func enqueue(_ command: RedisLinkCommand) {
        if case .shutDown = phase {
            command.finish(.failure(Self.shutDownFailure(endpoint)))
            return
        }
        guard command.deadline > .now else {
            command.finish(.failure(StoreUnavailable("timed out after \(timeout.milliseconds)ms before reaching \(endpoint.address)")))
            return
        }
        switch phase {
        case .ready(let channel):
            write(command, on: channel)
        case .connecting, .handshaking:
            queued.append(command)
        case .disconnected:
            let now = ContinuousClock.now
            guard backoff.allowsAttempt(at: now) else {
                let wait = (backoff.notBefore ?? now) - now
                let reason = lastFailure?.reason ?? "not connected"
                command.finish(.failure(StoreUnavailable("\(reason) (next reconnect in \(wait.milliseconds)ms)")))
                return
            }
            queued.append(command)
            connect()
        case .shutDown:
            break
        }
    }

    /// Closes the connection and fails everything waiting; later commands
    /// fail at once.
    func shutdown() {
        let channel = currentChannel
        phase = .shutDown
        deadlineTimer?.cancel()
        deadlineTimer = nil
        failAll(Self.shutDownFailure(endpoint))
        channel?.close(promise: nil)
    }

    static func shutDownFailure(_ endpoint: RedisEndpoint) -> StoreUnavailable {
        StoreUnavailable("Redis client for \(endpoint.address) was shut down")
    }

    // MARK: Writing

    private func write(_ command: RedisLinkCommand, on channel: any Channel) {
        var buffer = outbound ?? channel.allocator.buffer(capacity: 512)
        outbound = nil
        var command = command
        if command.request.asksFirst {
            Self.asking.write(to: &buffer)
            command.repliesToDrop = 1
        }
        command.request.write(to: &buffer, sendingSource: command.sendsSource)
        if command.request.replyCount > 1 { command.gathered = [] }
        outbound = buffer
        inFlight.append(command)
        if deadlineTimer == nil { armDeadlineTimer(at: command.deadline) }
        if !flushScheduled {
            // Runs after the tasks already queued on the loop: every command
            // the requests of this tick produce shares one write.
            flushScheduled = true
            eventLoop.assumeIsolated().execute { self.flush() }
        }
    }

    private func flush() {
        flushScheduled = false
        guard let buffer = outbound, let channel = currentChannel else { return }
        outbound = nil
        channel.writeAndFlush(buffer, promise: nil)
    }

    private static let asking = RedisArguments([Array("ASKING".utf8)])

    // MARK: Replies in

    /// One reply from the connection's handler.
    func received(_ reply: RedisReply, on channel: any Channel) {
        guard isCurrent(channel) else { return }
        guard var command = inFlight.popFirst() else {
            connectionLost(channel, because: StoreUnavailable("Redis on \(endpoint.address) sent a reply nobody asked for"))
            return
        }
        if command.repliesToDrop > 0 {
            command.repliesToDrop -= 1
            inFlight.prepend(command)
            return
        }
        switch command.purpose {
        case .handshake(let step, let script):
            if let problem = Self.handshakeProblem(reply, step: step, script: script, address: endpoint.address) {
                connectionLost(channel, because: problem)
                return
            }
            if case .handshaking = phase, !inFlight.contains(where: { if case .handshake = $0.purpose { true } else { false } }) {
                becomeReady(channel)
            }
        case .caller:
            if var gathered = command.gathered {
                gathered.append(reply)
                guard gathered.count == command.request.replyCount else {
                    command.gathered = gathered
                    inFlight.prepend(command)
                    return
                }
                command.finish(.success(.array(gathered)))
                return
            }
            if command.request.script != nil, reply.isError("NOSCRIPT") {
                guard !command.sendsSource else {
                    command.finish(.failure(StoreUnavailable("Redis answered NOSCRIPT to EVAL on \(endpoint.address)")))
                    return
                }
                // The server lost its script cache (SCRIPT FLUSH, failover).
                // Resending is safe, since a NOSCRIPT command never ran; EVAL
                // caches the script again under the same digest.
                logger.info("Redis script cache was empty; sending the script with EVAL")
                command.sendsSource = true
                write(command, on: channel)
                return
            }
            command.finish(.success(reply))
        }
    }

    /// The connection closed or failed: everything in flight fails, since
    /// nobody knows which of it ran. The next command reconnects at once:
    /// one lost connection says little about the server, a failed connect
    /// does.
    func connectionLost(_ channel: any Channel, because error: StoreUnavailable) {
        guard isCurrent(channel) else { return }
        let wasHandshaking = if case .handshaking = phase { true } else { false }
        phase = .disconnected
        outbound = nil
        deadlineTimer?.cancel()
        deadlineTimer = nil
        channel.close(promise: nil)
        if wasHandshaking {
            connectFailed(error)
            return
        }
        lastFailure = error
        logger.info("Redis connection lost", metadata: ["error": "\(error.reason)"])
        failInFlight(error)
    }

    // MARK: Connecting

    /// An IP address is connected to directly. NIO's name resolver runs
    /// getaddrinfo on a Dispatch queue and hands the answer back to the
    /// loop; a connect still resolving when the gateway stops would post to
    /// a loop that has shut down (NIO prints an error for it), and a
    /// literal address needs no lookup anyway. Names still go through it.
    private func connect() {
        phase = .connecting
        let milliseconds = max(1, timeout.milliseconds)
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(.milliseconds(milliseconds))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RedisLinkHandler(link: bound.value))
                }
            }
        let connecting = if let address = try? SocketAddress(ipAddress: endpoint.host, port: endpoint.port) {
            bootstrap.connect(to: address)
        } else {
            bootstrap.connect(host: endpoint.host, port: endpoint.port)
        }
        connecting
            .assumeIsolated()
            .whenComplete { result in
                switch result {
                case .success(let channel): self.connected(channel)
                case .failure(let error):
                    guard case .connecting = self.phase else { return }
                    self.connectFailed(StoreUnavailable("connect to \(self.endpoint.address) failed: \(error)"))
                }
            }
    }

    private func connected(_ channel: any Channel) {
        guard case .connecting = phase else {
            channel.close(promise: nil)
            return
        }
        phase = .handshaking(channel)
        let steps = Self.handshakeSteps(endpoint: endpoint, scripts: scripts)
        guard !steps.isEmpty else {
            becomeReady(channel)
            return
        }
        let deadline = ContinuousClock.now + timeout
        for (step, arguments, script) in steps {
            write(RedisLinkCommand(request: .command(arguments), purpose: .handshake(step: step, script: script), deadline: deadline),
                  on: channel)
        }
    }

    private func becomeReady(_ channel: any Channel) {
        phase = .ready(channel)
        backoff.connected()
        let recovered = lastFailure != nil || hasConnectedBefore
        lastFailure = nil
        isInOutage = false
        hasConnectedBefore = true
        logger.info(recovered ? "Reconnected to Redis" : "Connected to Redis")
        while let command = queued.popFirst() {
            enqueue(command)
        }
    }

    private func connectFailed(_ error: StoreUnavailable) {
        phase = .disconnected
        logger.log(level: isInOutage ? .debug : .info, "Could not connect to Redis", metadata: ["error": "\(error.reason)"])
        isInOutage = true
        lastFailure = error
        backoff.attemptFailed(at: .now)
        failAll(error)
    }

    // MARK: Deadlines

    private func armDeadlineTimer(at deadline: ContinuousClock.Instant) {
        let delay = max(.zero, deadline - .now)
        deadlineTimer = eventLoop.assumeIsolated().scheduleTask(in: TimeAmount(delay)) {
            self.deadlineTimer = nil
            self.checkDeadlines()
        }
    }

    /// The oldest command in flight is past its deadline: the server is hung
    /// or the link is, and the connection goes. Otherwise the timer is set
    /// again for the command that is now the oldest.
    private func checkDeadlines() {
        guard let oldest = inFlight.first else { return }
        guard oldest.deadline <= .now else {
            armDeadlineTimer(at: oldest.deadline)
            return
        }
        if let channel = currentChannel {
            connectionLost(channel, because: StoreUnavailable("read on \(endpoint.address) timed out after \(timeout.milliseconds)ms"))
        }
    }

    // MARK: Helpers

    private var currentChannel: (any Channel)? {
        switch phase {
        case .handshaking(let channel), .ready(let channel): return channel
        case .disconnected, .connecting, .shutDown: return nil
        }
    }

    private func isCurrent(_ channel: any Channel) -> Bool {
        currentChannel.map { $0 === channel } ?? false
    }

    private func failInFlight(_ error: StoreUnavailable) {
        while let command = inFlight.popFirst() { command.finish(.failure(error)) }
    }

    private func failAll(_ error: StoreUnavailable) {
        failInFlight(error)
        while let command = queued.popFirst() { command.finish(.failure(error)) }
    }
}
