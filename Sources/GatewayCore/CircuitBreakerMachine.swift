/// The circuit breaker's rules as a value with no lock and no clock: each
/// method takes the current instant and returns what happened, so every
/// transition can be tested by passing instants, and `CircuitBreaker` only
/// adds the lock, the clock and the transition callback.
///
/// Closed, it counts the outcomes of the last `window` calls and opens when
/// failures reach `failureRate` of at least `minimumCalls` of them. Open, it
/// refuses until `openFor` has passed, then turns half-open on the next look.
/// Half-open, it admits `halfOpenCalls` probes; all of them succeeding closes
/// it with an empty window, and any failure opens it for a fresh `openFor`.
struct CircuitBreakerMachine: Sendable {
    /// One change of state, reported to whoever exports the gauge.
    struct Transition: Sendable, Hashable {
        var from: CircuitBreakerState
        var to: CircuitBreakerState
    }

    /// The state with the data only that state needs, so a half-open count
    /// cannot linger into a closed breaker.
    private enum Phase: Sendable, Hashable {
        case closed
        case open(until: ContinuousClock.Instant)
        /// `succeeded + inFlight` is the number of probe slots taken.
        case halfOpen(inFlight: Int, succeeded: Int)
    }

    /// A half-open breaker refusing for lack of probe slots suggests this
    /// wait: the probes settle within one upstream call, not a whole `openFor`.
    static let probeSlotRetryAfter: Duration = .seconds(1)

    let settings: CircuitBreakerSettings
    private var phase: Phase = .closed
    /// Bumped by every transition; permits of older generations are ignored.
    private(set) var generation: UInt64 = 0
    /// Only meaningful while closed; emptied on closing.
    private var window: Window

    init(settings: CircuitBreakerSettings) {
        self.settings = settings
        window = Window(capacity: max(1, settings.window))
    }

    var state: CircuitBreakerState {
        switch phase {
        case .closed: .closed
        case .open: .open
        case .halfOpen: .halfOpen
        }
    }

    /// Probes admitted and not yet handed back; for inspection.
    var probesInFlight: Int {
        if case .halfOpen(let inFlight, _) = phase { inFlight } else { 0 }
    }

    /// The outcomes counted now; for inspection.
    var windowCounts: (calls: Int, failures: Int) {
        (window.count, window.failures)
    }

    /// An open breaker whose `openFor` has passed becomes half-open here,
    /// lazily, because nothing happens to a breaker between calls.
    mutating func advance(to now: ContinuousClock.Instant) -> Transition? {
        guard case .open(let until) = phase, now >= until else { return nil }
        return enter(.halfOpen(inFlight: 0, succeeded: 0))
    }

    mutating func acquire(at now: ContinuousClock.Instant) -> (decision: CircuitBreakerDecision, transition: Transition?) {
        guard settings.enabled else {
            return (.allowed(CircuitBreakerPermit(isProbe: false, generation: generation)), nil)
        }
        let transition = advance(to: now)
        switch phase {
        case .closed:
            return (.allowed(CircuitBreakerPermit(isProbe: false, generation: generation)), transition)
        case .open(let until):
            return (.refused(retryAfter: until - now), transition)
        case .halfOpen(let inFlight, let succeeded):
            guard inFlight + succeeded < probeLimit else {
                return (.refused(retryAfter: Self.probeSlotRetryAfter), transition)
            }
            phase = .halfOpen(inFlight: inFlight + 1, succeeded: succeeded)
            return (.allowed(CircuitBreakerPermit(isProbe: true, generation: generation)), transition)
        }
    }

    mutating func record(_ permit: CircuitBreakerPermit, success: Bool, at now: ContinuousClock.Instant) -> Transition? {
        guard settings.enabled, permit.generation == generation else { return nil }
        switch phase {
        case .closed:
            window.append(failure: !success)
            guard tripped else { return nil }
            return enter(.open(until: now + settings.openFor))
        case .open:
            // Opening starts a generation and issues no permits, so no
            // current permit can arrive here.
            return nil
        case .halfOpen(let inFlight, let succeeded):
            guard permit.isProbe, inFlight > 0 else { return nil }
            guard success else { return enter(.open(until: now + settings.openFor)) }
            if succeeded + 1 >= probeLimit { return enter(.closed) }
            phase = .halfOpen(inFlight: inFlight - 1, succeeded: succeeded + 1)
            return nil
        }
    }

    /// A call that was never made tells nothing about the upstream: its
    /// probe slot goes back, and a closed permit simply lapses.
    mutating func cancel(_ permit: CircuitBreakerPermit) {
        guard settings.enabled, permit.isProbe, permit.generation == generation,
              case .halfOpen(let inFlight, let succeeded) = phase, inFlight > 0
        else { return }
        phase = .halfOpen(inFlight: inFlight - 1, succeeded: succeeded)
    }

    /// At least one probe, or a half-open breaker could never close.
    private var probeLimit: Int { max(1, settings.halfOpenCalls) }

    /// Dividing (rather than multiplying the rate) keeps exact ratios such as
    /// 3/10 against 0.3 equal in floating point. A window without failures
    /// never trips, even at a rate of 0.
    private var tripped: Bool {
        let needed = min(max(1, settings.minimumCalls), window.capacity)
        guard window.count >= needed, window.failures > 0 else { return false }
        return Double(window.failures) / Double(window.count) >= settings.failureRate
    }

    private mutating func enter(_ next: Phase) -> Transition {
        let from = state
        phase = next
        generation &+= 1
        if case .closed = next { window.removeAll() }
        return Transition(from: from, to: state)
    }

    /// The last `capacity` outcomes in a ring, with a running failure count so
    /// that recording stays O(1) under the breaker's lock.
    struct Window: Sendable, Hashable {
        let capacity: Int
        private var failed: [Bool]
        private var next = 0
        private(set) var count = 0
        private(set) var failures = 0

        init(capacity: Int) {
            self.capacity = capacity
            failed = Array(repeating: false, count: capacity)
        }

        mutating func append(failure: Bool) {
            if count == capacity {
                if failed[next] { failures -= 1 }
            } else {
                count += 1
            }
            failed[next] = failure
            if failure { failures += 1 }
            next = (next + 1) % capacity
        }

        /// Old slots are left as they are: each is written again before
        /// `count` reaches `capacity`, the only time a slot is read.
        mutating func removeAll() {
            next = 0
            count = 0
            failures = 0
        }
    }
}
