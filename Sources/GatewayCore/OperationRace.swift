import Synchronization

/// The race between an async route's upstream call and its `after` timer,
/// decided exactly once. The call that wins goes back to the request, which
/// answers as usual. A timer that wins first publishes the operation (one
/// store write) while the call keeps running, and only then answers the
/// request; a call that ends meanwhile is settled by its own task, so it
/// never waits for a client that has its 202.
final class OperationRace: Sendable {
    /// What the request answers with.
    enum Verdict: Sendable {
        /// The call ended within `after`: settle and answer it as usual.
        case call(UpstreamCall)
        /// The operation is published: 202.
        case accepted
        /// Publishing failed; the call goes on but nobody can poll it.
        case unpublished(StoreUnavailable)
    }

    private enum Phase {
        case racing
        case publishing
        case decided
    }

    private struct State {
        var phase = Phase.racing
        var verdict: Verdict?
        var waiter: CheckedContinuation<Verdict, Never>?

        /// Records the verdict; returns the waiter to resume outside the lock.
        mutating func decide(_ verdict: Verdict) -> CheckedContinuation<Verdict, Never>? {
            phase = .decided
            self.verdict = verdict
            defer { waiter = nil }
            return waiter
        }
    }

    private let state = Mutex(State())

    /// The call ended. True when the request takes it; false when the timer
    /// won, and the caller settles it in the background.
    func deliver(_ call: UpstreamCall) -> Bool {
        let (taken, waiter): (Bool, CheckedContinuation<Verdict, Never>?) = state.withLock { state in
            guard case .racing = state.phase else { return (false, nil) }
            return (true, state.decide(.call(call)))
        }
        waiter?.resume(returning: .call(call))
        return taken
    }

    /// The timer fired. True when the call has not ended: the caller
    /// publishes, then calls `published`.
    func startPublishing() -> Bool {
        state.withLock { state in
            guard case .racing = state.phase else { return false }
            state.phase = .publishing
            return true
        }
    }

    func published(_ outcome: Result<Void, StoreUnavailable>) {
        let verdict: Verdict = switch outcome {
        case .success: .accepted
        case .failure(let error): .unpublished(error)
        }
        let waiter = state.withLock { $0.decide(verdict) }
        waiter?.resume(returning: verdict)
    }

    /// Suspends until the race is decided.
    func verdict() async -> Verdict {
        await withCheckedContinuation { continuation in
            let ready: Verdict? = state.withLock { state in
                if let verdict = state.verdict { return verdict }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
