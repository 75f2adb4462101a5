import GatewayCore

/// What a new connection sends before it carries commands, and how its
/// answers are checked; pure, so the link only writes and reads.
extension RedisLink {
    /// Login, database and scripts, pipelined. The arguments are never
    /// logged: AUTH carries the password.
    static func handshakeSteps(endpoint: RedisEndpoint, scripts: [RedisScript]) -> [(String, [[UInt8]], RedisScript?)] {
        var steps: [(String, [[UInt8]], RedisScript?)] = []
        if let password = endpoint.password {
            let login = ["AUTH"] + (endpoint.username.map { [$0] } ?? []) + [password]
            steps.append(("AUTH", login.map { Array($0.utf8) }, nil))
        }
        if endpoint.database != 0 {
            steps.append(("SELECT \(endpoint.database)", [Array("SELECT".utf8), Array(String(endpoint.database).utf8)], nil))
        }
        for script in scripts {
            steps.append(("SCRIPT LOAD \(script.name)", [Array("SCRIPT".utf8), Array("LOAD".utf8), Array(script.source.utf8)], script))
        }
        return steps
    }

    static func handshakeProblem(_ reply: RedisReply, step: String, script: RedisScript?, address: String) -> StoreUnavailable? {
        if case .error(let message) = reply {
            return StoreUnavailable("\(step) on \(address) failed: \(message)")
        }
        guard let script else { return nil }
        guard case .bulk(let digest) = reply else {
            return StoreUnavailable("\(step) on \(address) answered \(reply) instead of a digest")
        }
        // Redis names a script by the SHA-1 of its source; a server that
        // answers otherwise would fail every EVALSHA we build.
        let answered = String(decoding: digest, as: UTF8.self)
        guard answered == script.digest else {
            return StoreUnavailable("\(step) on \(address) answered digest \(answered), expected \(script.digest)")
        }
        return nil
    }
}
