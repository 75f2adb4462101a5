/// What a caller hands to a connection worker: a plain command, or a script
/// the worker sends as EVALSHA with the digest of its current connection.
indirect enum RedisRequest: Sendable {
    /// Arguments including the command name; binary-safe.
    case command([[UInt8]])
    case script(RedisScript, keys: [[UInt8]], arguments: [[UInt8]])
    /// The request preceded by `ASKING` on the same connection, in the same
    /// pipeline, so no other caller's command can take the one-shot ASKING
    /// flag: how a cluster client follows an `ASK` redirect.
    case asking(RedisRequest)

    /// True when `ASKING` must go first; its reply is read and dropped.
    var asksFirst: Bool {
        if case .asking = self { return true }
        return false
    }

    /// The command line as sent: EVALSHA when the digest is known, EVAL otherwise.
    func arguments(scriptDigest: String?) -> [[UInt8]] {
        switch self {
        case .command(let arguments):
            return arguments
        case .asking(let inner):
            return inner.arguments(scriptDigest: scriptDigest)
        case .script(let script, let keys, let arguments):
            let head: [[UInt8]] = if let scriptDigest {
                [Array("EVALSHA".utf8), Array(scriptDigest.utf8)]
            } else {
                [Array("EVAL".utf8), Array(script.source.utf8)]
            }
            return head + [Array(String(keys.count).utf8)] + keys + arguments
        }
    }

    /// Roughly the bytes this request adds to the output buffer.
    var size: Int {
        switch self {
        case .command(let arguments):
            return arguments.reduce(0) { $0 + $1.count + 16 }
        case .script(_, let keys, let arguments):
            return (keys + arguments).reduce(64) { $0 + $1.count + 16 }
        case .asking(let inner):
            return inner.size + 32
        }
    }

    var script: RedisScript? {
        switch self {
        case .script(let script, _, _): return script
        case .asking(let inner): return inner.script
        case .command: return nil
        }
    }

    /// The first key, which decides a cluster node: KEYS[1] of a script;
    /// commands carry none here (PING, CONFIG) and may go to any node.
    var routingKey: [UInt8]? {
        switch self {
        case .script(_, let keys, _): return keys.first
        case .asking(let inner): return inner.routingKey
        case .command: return nil
        }
    }
}
