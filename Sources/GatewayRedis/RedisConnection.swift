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
    /// SCRIPT LOAD digests of this connection's server.
    private var scriptDigests: [RedisScript: String] = [:]

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
            try append(step.arguments.map { Array($0.utf8) })
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
            scriptDigests[script] = String(decoding: digest, as: UTF8.self)
        }
    }

    /// The EVALSHA digest of `script`; nil for a script not loaded here.
    func digest(for script: RedisScript) -> String? {
        scriptDigests[script]
    }

    /// True when the idle connection was closed or reset by the server,
    /// e.g. after a Redis restart. Checked before sending a batch: that is
    /// the only moment a reconnect is safe, since nothing was sent yet.
    var isStale: Bool {
        gateway_redis_is_stale(context) != 0
    }

    /// Adds one command to the output buffer; nothing is written until the
    /// first `readReply`, so appending a whole batch pipelines it.
    func append(_ arguments: [[UInt8]]) throws(StoreUnavailable) {
        // One flat buffer instead of nested withUnsafeBufferPointer calls:
        // hiredis copies the arguments, so the pointers only need to live
        // for the duration of the call. The trailing byte keeps the base
        // address non-nil when every argument is empty.
        var flat: [UInt8] = []
        flat.reserveCapacity(arguments.reduce(1) { $0 + $1.count })
        var offsets: [Int] = []
        var lengths: [Int] = []
        offsets.reserveCapacity(arguments.count)
        lengths.reserveCapacity(arguments.count)
        for argument in arguments {
            offsets.append(flat.count)
            lengths.append(argument.count)
            flat.append(contentsOf: argument)
        }
        flat.append(0)
        let status = flat.withUnsafeBufferPointer { bytes in
            bytes.withMemoryRebound(to: CChar.self) { characters -> Int32 in
                var argv: [UnsafePointer<CChar>?] = offsets.map { UnsafePointer(characters.baseAddress! + $0) }
                return argv.withUnsafeMutableBufferPointer { argv in
                    lengths.withUnsafeBufferPointer { lengths in
                        redisAppendCommandArgv(context, Int32(arguments.count), argv.baseAddress, lengths.baseAddress)
                    }
                }
            }
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
