import Synchronization

/// One upstream's circuit breaker, shared by every event loop: the
/// `CircuitBreakerMachine` behind a mutex, read against an injected clock.
///
/// `onTransition` runs outside the lock, so a listener may call back into the
/// breaker. Transitions are still delivered one at a time and in the order
/// they happened: the thread that finds nobody delivering delivers everything
/// pending, including what other threads add meanwhile. A state gauge set
/// from the callback therefore always ends on the current state, at the cost
/// that a transition caused by one call may be reported by another thread
/// shortly after the call returns.
public final class CircuitBreaker: Sendable {
    private struct Guarded: Sendable {
        var machine: CircuitBreakerMachine
        var undelivered: [CircuitBreakerMachine.Transition] = []
        var delivering = false

        /// Queues `transition` and says whether the caller must now deliver.
        mutating func enqueue(_ transition: CircuitBreakerMachine.Transition?) -> Bool {
            if let transition { undelivered.append(transition) }
            guard !delivering, !undelivered.isEmpty else { return false }
            delivering = true
            return true
        }
    }

    /// What the breaker was built with; callers classify outcomes with
    /// `settings.isFailure(status:)`.
    public let settings: CircuitBreakerSettings

    private let guarded: Mutex<Guarded>
    private let now: @Sendable () -> ContinuousClock.Instant
    private let onTransition: @Sendable (CircuitBreakerState, CircuitBreakerState) -> Void

    /// - Parameters:
    ///   - now: the clock; tests inject one they can move forward.
    ///   - onTransition: called once per transition with (from, to), never
    ///     under the lock and never concurrently with itself.
    public init(
        settings: CircuitBreakerSettings,
        now: @escaping @Sendable () -> ContinuousClock.Instant = { .now },
        onTransition: @escaping @Sendable (CircuitBreakerState, CircuitBreakerState) -> Void = { _, _ in }
    ) {
        guarded = Mutex(Guarded(machine: CircuitBreakerMachine(settings: settings)))
        self.settings = settings
        self.now = now
        self.onTransition = onTransition
    }

    /// Asks to call the upstream. An allowed permit must be handed back once,
    /// with `record` or `cancel`.
    public func acquire() -> CircuitBreakerDecision {
        let instant = now()
        let (decision, mustDeliver) = guarded.withLock { guarded in
            let result = guarded.machine.acquire(at: instant)
            return (result.decision, guarded.enqueue(result.transition))
        }
        if mustDeliver { deliverTransitions() }
        return decision
    }

    /// Reports the outcome of an allowed call. The caller decides what a
    /// failure is: connect errors, timeouts, `settings.isFailure(status:)`.
    public func record(_ permit: CircuitBreakerPermit, success: Bool) {
        let instant = now()
        let mustDeliver = guarded.withLock { guarded in
            guarded.enqueue(guarded.machine.record(permit, success: success, at: instant))
        }
        if mustDeliver { deliverTransitions() }
    }

    /// Give back a permit without an outcome (e.g. the call was never made
    /// because the store refused); a half-open probe slot is freed.
    public func cancel(_ permit: CircuitBreakerPermit) {
        guarded.withLock { $0.machine.cancel(permit) }
    }

    /// The current state; an open breaker whose `openFor` has passed turns
    /// half-open on this read, as on `acquire`.
    public var state: CircuitBreakerState {
        let instant = now()
        let (state, mustDeliver) = guarded.withLock { guarded in
            let transition = guarded.machine.advance(to: instant)
            return (guarded.machine.state, guarded.enqueue(transition))
        }
        if mustDeliver { deliverTransitions() }
        return state
    }

    /// The machine as it stands, for tests and inspection.
    var machine: CircuitBreakerMachine {
        guarded.withLock { $0.machine }
    }

    private func deliverTransitions() {
        while true {
            let batch: [CircuitBreakerMachine.Transition] = guarded.withLock { guarded in
                let batch = guarded.undelivered
                guarded.undelivered = []
                if batch.isEmpty { guarded.delivering = false }
                return batch
            }
            if batch.isEmpty { return }
            for transition in batch {
                onTransition(transition.from, transition.to)
            }
        }
    }
}
