import Synchronization

/// Phase 5, "guard": decides whether a call may go to an upstream at all.
/// It combines the upstream's circuit breaker with its `max_in_flight`
/// bound, so a failing or saturated upstream is refused before any work is
/// sent, and retry storms cannot pile onto it.
public final class UpstreamGuard: Sendable {
    /// Why a call was refused.
    public enum Refusal: Error, Sendable, Hashable {
        case circuitOpen(retryAfter: Duration)
        case overloaded
    }

    /// Proof that a call was admitted; hand it back with `finish` once.
    public struct Ticket: Sendable {
        let permit: CircuitBreakerPermit?
    }

    public let upstream: String
    public let breaker: CircuitBreaker?
    private let maxInFlight: Int
    private let inFlight = Atomic<Int>(0)

    public init(settings: UpstreamSettings, breaker: CircuitBreaker?) {
        self.upstream = settings.name
        self.breaker = settings.circuitBreaker.enabled ? breaker : nil
        self.maxInFlight = settings.maxInFlight
    }

    /// The number of calls admitted and not yet finished.
    public var callsInFlight: Int { inFlight.load(ordering: .relaxed) }

    public func admit() -> Result<Ticket, Refusal> {
        let admitted = inFlight.wrappingAdd(1, ordering: .relaxed).newValue
        guard admitted <= maxInFlight else {
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            return .failure(.overloaded)
        }
        guard let breaker else { return .success(Ticket(permit: nil)) }
        switch breaker.acquire() {
        case .allowed(let permit):
            return .success(Ticket(permit: permit))
        case .refused(let retryAfter):
            inFlight.wrappingSubtract(1, ordering: .relaxed)
            return .failure(.circuitOpen(retryAfter: retryAfter))
        }
    }

    /// Records how the admitted call went: a response with `status`, or a
    /// transport failure (nil). Connect errors, timeouts and the breaker's
    /// failure statuses count against the upstream.
    public func finish(_ ticket: Ticket, status: Int?) {
        inFlight.wrappingSubtract(1, ordering: .relaxed)
        guard let breaker, let permit = ticket.permit else { return }
        let success = status.map { !breaker.settings.isFailure(status: $0) } ?? false
        breaker.record(permit, success: success)
    }
}
