/// What a caller hands to a connection worker: a plain command, or a script
/// the worker sends as EVALSHA with the digest of its current connection.
enum RedisRequest: Sendable {
    /// Arguments including the command name; binary-safe.
    case command([[UInt8]])
    case script(RedisScript, keys: [[UInt8]], arguments: [[UInt8]])

    /// The command line as sent: EVALSHA when the digest is known, EVAL otherwise.
    func arguments(scriptDigest: String?) -> [[UInt8]] {
        switch self {
        case .command(let arguments):
            return arguments
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
        }
    }

    var script: RedisScript? {
        if case .script(let script, _, _) = self { return script }
        return nil
    }
}
