import NIOConcurrencyHelpers

/// What the example upstream has executed. Tests assert "executed once" by
/// reading this, so it counts at the moment a request is executed, before the
/// (possibly delayed) response is written.
public final class UpstreamLedger: Sendable {
    private struct State {
        var requests: [RecordedRequest] = []
        var executionsByKey: [String: Int] = [:]
        var connectionsAccepted = 0
        var inFlight = 0
        var peakInFlight = 0
        var generatedBodiesAbandoned = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// Records an execution and returns its 1-based sequence number.
    func execute(_ request: RecordedRequest) -> Int {
        state.withLockedValue { state in
            state.requests.append(request)
            if let key = request.header("Idempotency-Key") {
                state.executionsByKey[key, default: 0] += 1
            }
            state.inFlight += 1
            state.peakInFlight = max(state.peakInFlight, state.inFlight)
            return state.requests.count
        }
    }

    func finish() {
        state.withLockedValue { $0.inFlight -= 1 }
    }

    func connectionAccepted() {
        state.withLockedValue { $0.connectionsAccepted += 1 }
    }

    func generatedBodyAbandoned() {
        state.withLockedValue { $0.generatedBodiesAbandoned += 1 }
    }

    /// Generated bodies (`X-Upstream-Stream-Size`) whose connection the
    /// gateway closed before they were all written: transfers it cancelled.
    public var generatedBodiesAbandoned: Int { state.withLockedValue { $0.generatedBodiesAbandoned } }

    /// How many times a request carrying this Idempotency-Key executed.
    public func executions(key: String) -> Int {
        state.withLockedValue { $0.executionsByKey[key] ?? 0 }
    }

    /// Every request executed so far, in order.
    public var requests: [RecordedRequest] { state.withLockedValue { $0.requests } }
    public var totalExecutions: Int { state.withLockedValue { $0.requests.count } }
    public var connectionsAccepted: Int { state.withLockedValue { $0.connectionsAccepted } }
    /// The most requests that were executing at the same time.
    public var peakInFlight: Int { state.withLockedValue { $0.peakInFlight } }

    public func reset() {
        state.withLockedValue { $0 = State() }
    }

    /// A small JSON summary, served at `/__stats`.
    var statsJSON: String {
        state.withLockedValue { state in
            "{\"executions\":\(state.requests.count),\"connections\":\(state.connectionsAccepted),\"peak_in_flight\":\(state.peakInFlight),\"keys\":\(state.executionsByKey.count)}"
        }
    }
}
