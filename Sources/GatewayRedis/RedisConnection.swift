internal import CHiredis
import GatewayCore

/// One blocking hiredis context, logged in and with the scripts loaded.
///
/// Deliberately not `Sendable`: hiredis contexts are not thread-safe, and
/// only the worker thread that opened a connection ever touches it. The
/// compiler enforces that confinement, so no lock is needed here.
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>
    private let address: String
    private let timeout: Duration

    private init(context: UnsafeMutablePointer<redisContext>, address: String, timeout: Duration) {
        self.context = context
        self.address = address
        self.timeout = timeout
    }

    deinit {
        redisFree(context)
    }

    /// Connects, then logs in, selects the database and loads `scripts` in
    /// one pipelined round trip. Every blocking step is bounded by `timeout`.
    static func open(endpoint: RedisEndpoint, timeout: Duration, scripts: [RedisScript]) throws(StoreUnavailable) -> RedisConnection {
        let milliseconds = max(1, timeout.milliseconds)
        guard let context = gateway_redis_connect(endpoint.host, Int32(clamping: endpoint.port), milliseconds) else {
            throw StoreUnavailable("connect to \(endpoint.address) failed: out of memory")
        }
        // From here on the connection's deinit frees the context, also when the handshake throws.
        let connection = RedisConnection(context: context, address: endpoint.address, timeout: timeout)
        guard gateway_redis_error_code(context) == 0 else { throw connection.failure("connect") }
        guard gateway_redis_set_timeout(context, milliseconds) == REDIS_OK else { throw connection.failure("set timeout") }
        try connection.handshake(endpoint: endpoint, scripts: scripts)
        return connection
    }

    private func handshake(endpoint: RedisEndpoint, scripts: [RedisScript]) throws(StoreUnavailable) {
        // `step` names a command in errors; the arguments are never echoed, AUTH carries the password.
        var steps: [(step: String, arguments: [String], script: RedisScript?)] = []
        if let password = endpoint.password {
            steps.append(("AUTH", ["AUTH"] + (endpoint.username.map { [$0] } ?? []) + [password], nil))
        }
        if endpoint.database != 0 {
            steps.append(("SELECT \(endpoint.database)", ["SELECT", String(endpoint.database)], nil))
        }
        for script in scripts {
            steps.append(("SCRIPT LOAD \(script.name)", ["SCRIPT", "LOAD", script.source], script))
        }
        for step in steps {
            try append(RedisArguments(step.arguments.map { Array($0.utf8) }))
        }
        for step in steps {
            let reply = try readReply()
            if case .error(let message) = reply {
                throw StoreUnavailable("\(step.step) on \(address) failed: \(message)")
            }
            guard let script = step.script else { continue }
            guard case .bulk(let digest) = reply else {
                throw StoreUnavailable("\(step.step) on \(address) answered \(reply) instead of a digest")
            }
            // Redis names a script by the SHA-1 of its source; a server that
            // answers otherwise would fail every EVALSHA we build.
            guard String(decoding: digest, as: UTF8.self) == script.digest else {
                throw StoreUnavailable("\(step.step) on \(address) answered digest \(String(decoding: digest, as: UTF8.self)), expected \(script.digest)")
            }
        }
    }

    /// True when the idle connection was closed or reset by the server,
    /// e.g. after a Redis restart. Checked before sending a batch: that is
    /// the only moment a reconnect is safe, since nothing was sent yet.
    var isStale: Bool {
        gateway_redis_is_stale(context) != 0
    }

    /// Adds one command to the output buffer; nothing is written until the
    /// first `readReply`, so appending a whole batch pipelines it. hiredis
    /// copies the arguments, binary-safe.
    func append(_ arguments: RedisArguments) throws(StoreUnavailable) {
        let status = arguments.withArgv { count, argv, lengths in
            redisAppendCommandArgv(context, count, argv, lengths)
        }
        guard status == REDIS_OK else { throw failure("append") }
    }

    /// Flushes the output buffer if needed, then blocks for the next reply.
    func readReply() throws(StoreUnavailable) -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw failure("read") }
        defer { freeReplyObject(raw) }
        return Self.decode(raw.assumingMemoryBound(to: redisReply.self))
    }

    private static func decode(_ reply: UnsafeMutablePointer<redisReply>) -> RedisReply {
        let value = reply.pointee
        switch value.type {
        case REDIS_REPLY_STRING:
            return .bulk(Array(UnsafeRawBufferPointer(start: value.str, count: value.len)))
        case REDIS_REPLY_STATUS:
            return .status(text(value))
        case REDIS_REPLY_ERROR:
            return .error(text(value))
        case REDIS_REPLY_INTEGER:
            return .integer(Int64(value.integer))
        case REDIS_REPLY_ARRAY:
            return .array((0..<value.elements).map { decode(value.element[$0]!) })
        default:
            return .null
        }
    }

    private static func text(_ value: redisReply) -> String {
        String(decoding: UnsafeRawBufferPointer(start: value.str, count: value.len), as: UTF8.self)
    }

    /// The context's error as a reason. A socket timeout shows up as EAGAIN;
    /// it is named as a timeout so the log says what happened.
    private func failure(_ operation: String) -> StoreUnavailable {
        let code = gateway_redis_error_code(context)
        let text = String(cString: gateway_redis_error_text(context))
        if code == REDIS_ERR_IO, text.contains("temporarily unavailable") || text.contains("timed out") {
            return StoreUnavailable("\(operation) on \(address) timed out after \(timeout.milliseconds)ms")
        }
        if code == REDIS_ERR_EOF {
            return StoreUnavailable("\(operation) on \(address) failed: server closed the connection")
        }
        return StoreUnavailable("\(operation) on \(address) failed: \(text.isEmpty ? "error \(code)" : text)")
    }
}
