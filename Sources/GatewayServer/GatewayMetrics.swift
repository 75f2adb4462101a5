import CoreMetrics
import GatewayCore

/// Every metric the gateway exports, created once at start with fixed label
/// sets: per-request code only looks handles up in dictionaries built here,
/// so no metric is ever created on the request path and no per-request value
/// (a key, an id) can become a label. The names and labels are a contract
/// with dashboards and alerts; the README lists them.
public final class GatewayMetrics: Sendable {
    /// The route label for requests that matched no route.
    public static let unmatchedRoute = "unmatched"
    public static let storeOperations = ["claim", "renew", "complete", "release", "ping"]
    public static let responseClasses = ["2xx", "3xx", "4xx", "5xx", "connect_error", "timeout"]

    private let requests: [String: [RequestOutcome: Counter]]
    private let requestDuration: [String: CoreMetrics.Timer]
    private let upstreamDuration: [String: CoreMetrics.Timer]
    private let upstreamResponses: [String: [String: Counter]]
    private let breakerState: [String: Gauge]
    private let breakerTransitions: [String: [CircuitBreakerState: Counter]]
    private let storeDuration: [String: CoreMetrics.Timer]
    private let storeErrors: [String: Counter]
    private let claimsInFlight: [String: Meter]
    private let storedBytes: [String: Recorder]
    private let leasesLost: [String: Counter]
    private let ambiguous: [String: [AmbiguousCause: Counter]]
    private let corruptRecords: [String: Counter]

    /// Shared by every connection's `ExchangeReporter`, like the metrics: a
    /// repeating warning is throttled process-wide, not per connection.
    let warnings = WarningThrottle()

    public init(routes: [String], upstreams: [String]) {
        let routeLabels = routes + [Self.unmatchedRoute]
        requests = Dictionary(uniqueKeysWithValues: routeLabels.map { route in
            (route, Dictionary(uniqueKeysWithValues: RequestOutcome.allCases.map { outcome in
                (outcome, Counter(label: "idempotency_requests_total", dimensions: [("route", route), ("outcome", outcome.rawValue)]))
            }))
        })
        requestDuration = Dictionary(uniqueKeysWithValues: routeLabels.map {
            ($0, CoreMetrics.Timer(label: "gateway_request_duration_seconds", dimensions: [("route", $0)]))
        })
        claimsInFlight = Dictionary(uniqueKeysWithValues: routes.map {
            ($0, Meter(label: "idempotency_in_flight", dimensions: [("route", $0)]))
        })
        storedBytes = Dictionary(uniqueKeysWithValues: routes.map {
            ($0, Recorder(label: "stored_response_bytes", dimensions: [("route", $0)], aggregate: true))
        })
        leasesLost = Dictionary(uniqueKeysWithValues: routes.map {
            ($0, Counter(label: "idempotency_lease_lost_total", dimensions: [("route", $0)]))
        })
        ambiguous = Dictionary(uniqueKeysWithValues: routes.map { route in
            (route, Dictionary(uniqueKeysWithValues: AmbiguousCause.allCases.map { cause in
                (cause, Counter(label: "idempotency_ambiguous_total", dimensions: [("route", route), ("cause", cause.rawValue)]))
            }))
        })
        corruptRecords = Dictionary(uniqueKeysWithValues: routes.map {
            ($0, Counter(label: "idempotency_record_corrupt_total", dimensions: [("route", $0)]))
        })
        upstreamDuration = Dictionary(uniqueKeysWithValues: upstreams.map {
            ($0, CoreMetrics.Timer(label: "upstream_request_duration_seconds", dimensions: [("upstream", $0)]))
        })
        upstreamResponses = Dictionary(uniqueKeysWithValues: upstreams.map { upstream in
            (upstream, Dictionary(uniqueKeysWithValues: Self.responseClasses.map { responseClass in
                (responseClass, Counter(label: "upstream_responses_total", dimensions: [("upstream", upstream), ("class", responseClass)]))
            }))
        })
        breakerState = Dictionary(uniqueKeysWithValues: upstreams.map { upstream in
            let gauge = Gauge(label: "circuit_breaker_state", dimensions: [("upstream", upstream)])
            gauge.record(CircuitBreakerState.closed.gaugeValue)
            return (upstream, gauge)
        })
        breakerTransitions = Dictionary(uniqueKeysWithValues: upstreams.map { upstream in
            (upstream, Dictionary(uniqueKeysWithValues: [CircuitBreakerState.closed, .open, .halfOpen].map { state in
                (state, Counter(label: "circuit_breaker_transitions_total", dimensions: [("upstream", upstream), ("to", state.label)]))
            }))
        })
        storeDuration = Dictionary(uniqueKeysWithValues: Self.storeOperations.map {
            ($0, CoreMetrics.Timer(label: "store_operation_duration_seconds", dimensions: [("operation", $0)]))
        })
        storeErrors = Dictionary(uniqueKeysWithValues: Self.storeOperations.map {
            ($0, Counter(label: "store_errors_total", dimensions: [("operation", $0)]))
        })
    }

    func request(route: String, outcome: RequestOutcome, nanoseconds: Int64) {
        let route = requests[route] == nil ? Self.unmatchedRoute : route
        requests[route]?[outcome]?.increment()
        requestDuration[route]?.recordNanoseconds(nanoseconds)
    }

    func upstreamCall(upstream: String, responseClass: String, nanoseconds: Int64) {
        upstreamDuration[upstream]?.recordNanoseconds(nanoseconds)
        upstreamResponses[upstream]?[responseClass]?.increment()
    }

    func storeCall(operation: String, failed: Bool, nanoseconds: Int64) {
        storeDuration[operation]?.recordNanoseconds(nanoseconds)
        if failed { storeErrors[operation]?.increment() }
    }

    func claimOpened(route: String) { claimsInFlight[route]?.increment() }
    func claimClosed(route: String) { claimsInFlight[route]?.decrement() }
    func stored(route: String, bytes: Int) { storedBytes[route]?.record(bytes) }
    /// A request found its claim taken over (renewal or settling refused):
    /// counted once per request, however many times it found out.
    func leaseLost(route: String) { leasesLost[route]?.increment() }
    /// A keyed request's upstream call failed after sending (held or released).
    func ambiguousOutcome(route: String, cause: AmbiguousCause) { ambiguous[route]?[cause]?.increment() }
    func recordCorrupt(route: String) { corruptRecords[route]?.increment() }

    /// Wired to each upstream's `CircuitBreaker.onTransition`.
    public func breakerTransition(upstream: String, to state: CircuitBreakerState) {
        breakerState[upstream]?.record(state.gaugeValue)
        breakerTransitions[upstream]?[state]?.increment()
    }
}
