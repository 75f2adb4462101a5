import GatewayCore
import Logging

/// What one worker thread knows about its link to Redis: the current
/// connection, if any, and when it may reconnect. It runs each batch as one
/// pipelined round trip.
///
/// Not `Sendable`, like the `RedisConnection` it owns: it lives in a local
/// variable of the worker thread and never leaves it.
struct RedisSession {
    private let endpoint: RedisEndpoint
    private let timeout: Duration
    private let scripts: [RedisScript]
    private let logger: Logger
    private var connection: RedisConnection?
    private var backoff = RedisReconnectBackoff()
    /// Why the link last failed; repeated while in backoff, nil while healthy.
    private var lastFailure: StoreUnavailable?
    /// True from the first failed connect until a connect succeeds, so an
    /// outage is logged once rather than on every backoff attempt.
    private var isInOutage = false

    init(endpoint: RedisEndpoint, timeout: Duration, scripts: [RedisScript], logger: Logger) {
        self.endpoint = endpoint
        self.timeout = timeout
        self.scripts = scripts
        self.logger = logger
    }

    /// Sends every live command of `batch` before reading any reply, then
    /// resumes each caller in order. Any transport failure drops the
    /// connection and fails the rest of the batch: after a timeout or a
    /// short read, which reply belongs to which command is unknown.
    mutating func execute(_ batch: [RedisQueuedCommand]) {
        let now = ContinuousClock.now
        var live: [RedisQueuedCommand] = []
        live.reserveCapacity(batch.count)
        for command in batch {
            if command.deadline <= now {
                command.fail(StoreUnavailable("timed out after \(timeout.milliseconds)ms before reaching \(endpoint.address)"))
            } else {
                live.append(command)
            }
        }
        guard !live.isEmpty else { return }
        let connection: RedisConnection
        switch usableConnection() {
        case .success(let usable): connection = usable
        case .failure(let error):
            for command in live { command.fail(error) }
            return
        }
        let retries = roundTrip(live, on: connection, sendingSource: false)
        // Retries exist only when every reply was read, so the connection is intact.
        guard !retries.isEmpty else { return }
        // NOSCRIPT: the server lost its script cache (SCRIPT FLUSH, failover).
        // Resending is safe, since a NOSCRIPT command never ran. EVAL sends
        // the source and caches the script again under the same digest, so
        // later EVALSHA calls work without a reconnect.
        logger.info("Redis script cache was empty; sending the scripts with EVAL")
        let leftovers = roundTrip(retries, on: connection, sendingSource: true)
        for command in leftovers {
            command.fail(StoreUnavailable("Redis answered NOSCRIPT to EVAL on \(endpoint.address)"))
        }
    }

    /// Pipelines `commands`, resumes the callers, and returns the script
    /// commands that got NOSCRIPT, unresumed.
    private mutating func roundTrip(_ commands: [RedisQueuedCommand], on connection: RedisConnection,
                                    sendingSource: Bool) -> [RedisQueuedCommand] {
        do throws(StoreUnavailable) {
            for command in commands {
                if command.request.asksFirst { try connection.append(Self.asking) }
                try connection.append(command.request.arguments(sendingSource: sendingSource))
            }
        } catch {
            drop(connection, because: error)
            for command in commands { command.fail(error) }
            return []
        }
        var retries: [RedisQueuedCommand] = []
        for (index, command) in commands.enumerated() {
            let reply: RedisReply
            do throws(StoreUnavailable) {
                // ASKING's own +OK (or error) is not the caller's answer.
                if command.request.asksFirst { _ = try connection.readReply() }
                reply = try connection.readReply()
            } catch {
                drop(connection, because: error)
                for unanswered in commands[index...] { unanswered.fail(error) }
                return []
            }
            if command.request.script != nil, reply.isError("NOSCRIPT") {
                retries.append(command)
            } else {
                command.succeed(reply)
            }
        }
        return retries
    }

    /// The open connection, or a new one. A stale connection (closed by a
    /// Redis restart while idle) is replaced at once, since nothing was sent
    /// on it yet; a failed connect starts the backoff.
    private mutating func usableConnection() -> Result<RedisConnection, StoreUnavailable> {
        if let connection {
            guard connection.isStale else { return .success(connection) }
            logger.info("Redis connection was closed by the server while idle; reconnecting")
            self.connection = nil
        }
        let now = ContinuousClock.now
        guard backoff.allowsAttempt(at: now) else {
            let wait = (backoff.notBefore ?? now) - now
            let reason = lastFailure?.reason ?? "not connected"
            return .failure(StoreUnavailable("\(reason) (next reconnect in \(wait.milliseconds)ms)"))
        }
        do throws(StoreUnavailable) {
            let opened = try RedisConnection.open(endpoint: endpoint, timeout: timeout, scripts: scripts)
            let recovered = lastFailure != nil
            connection = opened
            backoff.connected()
            lastFailure = nil
            isInOutage = false
            logger.info(recovered ? "Reconnected to Redis" : "Connected to Redis")
            return .success(opened)
        } catch {
            logger.log(level: isInOutage ? .debug : .info, "Could not connect to Redis",
                       metadata: ["error": "\(error.reason)"])
            isInOutage = true
            lastFailure = error
            backoff.attemptFailed(at: ContinuousClock.now)
            return .failure(error)
        }
    }

    /// Forgets a broken connection. The next batch reconnects at once: one
    /// lost connection says little about the server, a failed connect does.
    private mutating func drop(_ broken: RedisConnection, because error: StoreUnavailable) {
        guard connection === broken else { return }
        connection = nil
        lastFailure = error
        logger.info("Redis connection lost", metadata: ["error": "\(error.reason)"])
    }

    private static let asking = RedisArguments([Array("ASKING".utf8)])

    /// Closes the socket; called when the worker stops.
    mutating func close() {
        connection = nil
    }
}
