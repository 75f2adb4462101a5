import NIOCore

/// What a caller hands to a Redis connection: a plain command, or a script
/// sent as EVALSHA.
indirect enum RedisRequest: Sendable {
    /// Arguments including the command name; binary-safe.
    case plain(RedisArguments)
    /// Plain commands on one key (`GET key`, `PTTL key`), written back to
    /// back and answered as one `.array` of their replies, in order: one
    /// round trip, no script. Routed by the first command's key.
    case reads([RedisArguments])
    /// `EVALSHA digest numkeys keys... args...`, whole; `script` is what to
    /// send with EVAL instead if the server answers NOSCRIPT.
    case script(RedisScript, RedisArguments)
    /// The request preceded by `ASKING` on the same connection, in the same
    /// pipeline, so no other caller's command can take the one-shot ASKING
    /// flag: how a cluster client follows an `ASK` redirect.
    case asking(RedisRequest)

    /// A plain command, one element per argument.
    static func command(_ parts: [[UInt8]]) -> RedisRequest {
        .plain(RedisArguments(parts))
    }

    /// The EVALSHA command for `script` over `keys` and `arguments`, built
    /// in one buffer: the caller appends keys and arguments through `build`
    /// and says how many of them were keys.
    static func evalsha(_ script: RedisScript, keyCount: Int, capacity: Int = 192,
                       _ build: (inout RedisArguments) -> Void) -> RedisRequest {
        var arguments = RedisArguments(capacity: capacity)
        arguments.append("EVALSHA")
        arguments.append(script.digest)
        arguments.append(decimal: keyCount)
        build(&arguments)
        return .script(script, arguments)
    }

    /// How many replies answer this request: one, or one per read.
    var replyCount: Int {
        switch self {
        case .reads(let commands): return commands.count
        case .asking(let inner): return inner.replyCount
        case .plain, .script: return 1
        }
    }

    /// Appends the request's commands as RESP, `ASKING` excluded.
    func write(to buffer: inout ByteBuffer, sendingSource: Bool) {
        switch self {
        case .reads(let commands):
            for command in commands { command.write(to: &buffer) }
        case .asking(let inner):
            inner.write(to: &buffer, sendingSource: sendingSource)
        case .plain, .script:
            arguments(sendingSource: sendingSource).write(to: &buffer)
        }
    }

    /// True when `ASKING` must go first; its reply is read and dropped.
    var asksFirst: Bool {
        if case .asking = self { return true }
        return false
    }

    /// The command line as sent: as built, or with EVAL and the source in
    /// place of EVALSHA and the digest after a NOSCRIPT.
    func arguments(sendingSource: Bool) -> RedisArguments {
        switch self {
        case .plain(let arguments):
            return arguments
        case .reads(let commands):
            return commands[0]
        case .asking(let inner):
            return inner.arguments(sendingSource: sendingSource)
        case .script(let script, let arguments):
            guard sendingSource else { return arguments }
            return arguments.replacingFirst(2, with: [Array("EVAL".utf8), Array(script.source.utf8)])
        }
    }

    /// Roughly the bytes this request adds to the output buffer.
    var size: Int {
        switch self {
        case .plain(let arguments), .script(_, let arguments):
            return arguments.bytes.count + 16 * arguments.count
        case .reads(let commands):
            return commands.reduce(0) { $0 + $1.bytes.count + 16 * $1.count }
        case .asking(let inner):
            return inner.size + 32
        }
    }

    var script: RedisScript? {
        switch self {
        case .script(let script, _): return script
        case .asking(let inner): return inner.script
        case .plain, .reads: return nil
        }
    }

    /// The first key, which decides a cluster node: KEYS[1] of a script;
    /// plain commands carry none here (PING, CONFIG) and may go to any node.
    var routingKey: [UInt8]? {
        switch self {
        case .script(_, let arguments): return arguments.count > 3 ? Array(arguments.argument(3)) : nil
        case .reads(let commands): return commands[0].count > 1 ? Array(commands[0].argument(1)) : nil
        case .asking(let inner): return inner.routingKey
        case .plain: return nil
        }
    }
}
