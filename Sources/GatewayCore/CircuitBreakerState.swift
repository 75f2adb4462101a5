/// Where a circuit breaker stands; exported as the `circuit_breaker_state`
/// gauge and used as a log label.
public enum CircuitBreakerState: Sendable, Hashable {
    /// Calls flow and their outcomes fill the window.
    case closed
    /// Calls are refused until `openFor` has passed.
    case open
    /// A limited number of probe calls decide whether to close or re-open.
    case halfOpen

    /// The gauge value: a number, because Prometheus gauges cannot hold text,
    /// and fixed, because dashboards and alerts are written against it.
    public var gaugeValue: Int {
        switch self {
        case .closed: 0
        case .open: 1
        case .halfOpen: 2
        }
    }

    /// The snake_case name for logs and label values.
    public var label: String {
        switch self {
        case .closed: "closed"
        case .open: "open"
        case .halfOpen: "half_open"
        }
    }
}
