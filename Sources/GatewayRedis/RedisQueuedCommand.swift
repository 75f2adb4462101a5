import GatewayCore

/// A request waiting in a worker's queue, with the caller suspended on
/// `continuation` until the worker thread resumes it exactly once.
struct RedisQueuedCommand: Sendable {
    let request: RedisRequest
    /// Enqueue time plus the timeout. Past it, the command is failed without
    /// being sent: the caller has given up waiting for a useful answer, and
    /// a claim sent this late could take a key nobody will settle.
    let deadline: ContinuousClock.Instant
    let continuation: CheckedContinuation<Result<RedisReply, StoreUnavailable>, Never>
    /// `request.size`, computed once outside the queue's lock.
    let size: Int

    init(request: RedisRequest, deadline: ContinuousClock.Instant,
         continuation: CheckedContinuation<Result<RedisReply, StoreUnavailable>, Never>) {
        self.request = request
        self.deadline = deadline
        self.continuation = continuation
        self.size = request.size
    }

    func succeed(_ reply: RedisReply) {
        continuation.resume(returning: .success(reply))
    }

    func fail(_ error: StoreUnavailable) {
        continuation.resume(returning: .failure(error))
    }
}
