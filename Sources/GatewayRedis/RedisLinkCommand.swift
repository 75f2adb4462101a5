import GatewayCore

/// A command on its way through a `RedisLink`: queued until the connection
/// is ready, then in flight until its reply arrives.
struct RedisLinkCommand: Sendable {
    enum Purpose: Sendable {
        /// A caller waits for the reply.
        case caller(CheckedContinuation<Result<RedisReply, StoreUnavailable>, Never>)
        /// Part of the connection's handshake (AUTH, SELECT, SCRIPT LOAD):
        /// `step` names it in errors, `script` is set for a SCRIPT LOAD.
        case handshake(step: String, script: RedisScript?)
    }

    var request: RedisRequest
    let purpose: Purpose
    /// When the caller stops waiting: the queue wait and the round trip
    /// together. Past it, a queued command is failed without being sent.
    let deadline: ContinuousClock.Instant
    /// Sent as EVAL with the source after the server answered NOSCRIPT.
    var sendsSource = false
    /// Replies that belong to this command but are not its answer: the
    /// `+OK` of an ASKING sent right before it.
    var repliesToDrop = 0
    /// The replies of a `.reads` request so far; nil for a request that
    /// one reply answers.
    var gathered: [RedisReply]?

    init(request: RedisRequest, purpose: Purpose, deadline: ContinuousClock.Instant) {
        self.request = request
        self.purpose = purpose
        self.deadline = deadline
    }

    func finish(_ result: Result<RedisReply, StoreUnavailable>) {
        if case .caller(let continuation) = purpose { continuation.resume(returning: result) }
    }
}
