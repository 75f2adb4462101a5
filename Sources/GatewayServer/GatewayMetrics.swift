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
    public static let storeOperations = ["claim", "renew", "complete", "release", "ping", "rate_limit", "inspect", "purge",
                                         "publish_operation", "finish_operation", "read_operation"]
    public static let responseClasses = ["2xx", "3xx", "4xx", "5xx", "connect_error", "timeout"]
    /// The `class` label of `gateway_responses_total`, indexed by the first
    /// digit of the status less one.
    public static let clientResponseClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"]

    /// The per-route and per-upstream handles, kept in one value so a reload
    /// can copy them and add only what is new (`including`).
    /// What every answered request records under its route, found with
    /// one lookup of the route's name instead of one per metric.
    private struct RequestSeries {
        let outcomes: [RequestOutcome: Counter]
        let duration: CoreMetrics.Timer
        /// By the first digit of the status less one (`clientResponseClasses`).
        let responses: [Counter]
        /// Nil for `unmatched`, which is never rate limited.
        let rateLimited: Counter?
    }

    /// What every upstream call records, likewise.
    private struct UpstreamSeries {
        let duration: CoreMetrics.Timer
        let responses: [String: Counter]
    }

    private struct Series {
        var requests: [String: RequestSeries] = [:]
        var claimsInFlight: [String: Meter] = [:]
        var storedBytes: [String: Recorder] = [:]
        var leasesLost: [String: Counter] = [:]
        var ambiguous: [String: [AmbiguousCause: Counter]] = [:]
        var corruptRecords: [String: Counter] = [:]
        var operations: [String: [OperationState: Counter]] = [:]
        var upstreamCalls: [String: UpstreamSeries] = [:]
        var breakerState: [String: Gauge] = [:]
        var breakerTransitions: [String: [CircuitBreakerState: Counter]] = [:]
        var shadow: [String: [ShadowVerdict: Counter]] = [:]

        mutating func add(route: String) {
            guard requests[route] == nil else { return }
            let outcomes = Dictionary(uniqueKeysWithValues: RequestOutcome.allCases.map { outcome in
                (outcome, Counter(label: "idempotency_requests_total", dimensions: [("route", route), ("outcome", outcome.rawValue)]))
            })
            let duration = CoreMetrics.Timer(label: "gateway_request_duration_seconds", dimensions: [("route", route)])
            let responses = GatewayMetrics.clientResponseClasses.map { responseClass in
                Counter(label: "gateway_responses_total", dimensions: [("route", route), ("class", responseClass)])
            }
            // `unmatched` only counts requests; it never holds a claim.
            guard route != GatewayMetrics.unmatchedRoute else {
                requests[route] = RequestSeries(outcomes: outcomes, duration: duration, responses: responses, rateLimited: nil)
                return
            }
            claimsInFlight[route] = Meter(label: "idempotency_in_flight", dimensions: [("route", route)])
            storedBytes[route] = Recorder(label: "stored_response_bytes", dimensions: [("route", route)], aggregate: true)
            leasesLost[route] = Counter(label: "idempotency_lease_lost_total", dimensions: [("route", route)])
            ambiguous[route] = Dictionary(uniqueKeysWithValues: AmbiguousCause.allCases.map { cause in
                (cause, Counter(label: "idempotency_ambiguous_total", dimensions: [("route", route), ("cause", cause.rawValue)]))
            })
            corruptRecords[route] = Counter(label: "idempotency_record_corrupt_total", dimensions: [("route", route)])
            shadow[route] = Dictionary(uniqueKeysWithValues: ShadowVerdict.allCases.map { verdict in
                (verdict, Counter(label: "idempotency_shadow_total", dimensions: [("route", route), ("would", verdict.rawValue)]))
            })
            let rateLimited = Counter(label: "rate_limited_total", dimensions: [("route", route)])
            operations[route] = Dictionary(uniqueKeysWithValues: OperationState.allCases.map { state in
                (state, Counter(label: "idempotency_operations_total", dimensions: [("route", route), ("state", state.rawValue)]))
            })
            requests[route] = RequestSeries(outcomes: outcomes, duration: duration, responses: responses, rateLimited: rateLimited)
        }

        mutating func add(upstream: String) {
            guard upstreamCalls[upstream] == nil else { return }
            let duration = CoreMetrics.Timer(label: "upstream_request_duration_seconds", dimensions: [("upstream", upstream)])
            upstreamCalls[upstream] = UpstreamSeries(duration: duration, responses: Dictionary(uniqueKeysWithValues:
                GatewayMetrics.responseClasses.map { responseClass in
                    (responseClass, Counter(label: "upstream_responses_total", dimensions: [("upstream", upstream), ("class", responseClass)]))
                }))
            let gauge = Gauge(label: "circuit_breaker_state", dimensions: [("upstream", upstream)])
            gauge.record(CircuitBreakerState.closed.gaugeValue)
            breakerState[upstream] = gauge
            breakerTransitions[upstream] = Dictionary(uniqueKeysWithValues: [CircuitBreakerState.closed, .open, .halfOpen].map { state in
                (state, Counter(label: "circuit_breaker_transitions_total", dimensions: [("upstream", upstream), ("to", state.label)]))
            })
        }
    }

    /// Handles that do not depend on the configuration's names, shared by
    /// every instance a reload makes.
    private struct Fixed: Sendable {
        let storeDuration: [String: CoreMetrics.Timer]
        let storeErrors: [String: Counter]
        let refusedConnections: Counter
        let acceptedConnections: Counter
        let openConnections: Meter
        let clientTimeouts: [ClientTimeout: Counter]
        let reloads: [ReloadResult: Counter]
        let warnings: WarningThrottle
    }

    private let series: Series
    private let fixed: Fixed

    /// Shared by every connection's `ExchangeReporter`, like the metrics: a
    /// repeating warning is throttled process-wide, not per connection.
    var warnings: WarningThrottle { fixed.warnings }

    public init(routes: [String], upstreams: [String]) {
        var series = Series()
        for route in routes + [Self.unmatchedRoute] { series.add(route: route) }
        for upstream in upstreams { series.add(upstream: upstream) }
        self.series = series
        let storeDuration: [String: CoreMetrics.Timer] = Dictionary(uniqueKeysWithValues: Self.storeOperations.map {
            ($0, CoreMetrics.Timer(label: "store_operation_duration_seconds", dimensions: [("operation", $0)]))
        })
        let storeErrors: [String: Counter] = Dictionary(uniqueKeysWithValues: Self.storeOperations.map {
            ($0, Counter(label: "store_errors_total", dimensions: [("operation", $0)]))
        })
        let clientTimeouts: [ClientTimeout: Counter] = Dictionary(uniqueKeysWithValues: ClientTimeout.allCases.map {
            ($0, Counter(label: "client_timeouts_total", dimensions: [("kind", $0.rawValue)]))
        })
        let reloads: [ReloadResult: Counter] = Dictionary(uniqueKeysWithValues: ReloadResult.allCases.map {
            ($0, Counter(label: "config_reload_total", dimensions: [("result", $0.rawValue)]))
        })
        fixed = Fixed(storeDuration: storeDuration, storeErrors: storeErrors,
                      refusedConnections: Counter(label: "client_connections_refused_total"),
                      acceptedConnections: Counter(label: "client_connections_accepted_total"),
                      openConnections: Meter(label: "client_connections_open"),
                      clientTimeouts: clientTimeouts, reloads: reloads, warnings: WarningThrottle())
    }

    private init(series: Series, fixed: Fixed) {
        self.series = series
        self.fixed = fixed
    }

    /// The metrics for a reloaded configuration: the same handles for every
    /// name seen before (so no series is created twice, and the series of a
    /// route that a reload removed keeps its values), new handles for new
    /// names, made here, at reload, never on the request path.
    public func including(routes: [String], upstreams: [String]) -> GatewayMetrics {
        var series = self.series
        for route in routes { series.add(route: route) }
        for upstream in upstreams { series.add(upstream: upstream) }
        return GatewayMetrics(series: series, fixed: fixed)
    }

    /// One answered request: its outcome, its time, and the class of the
    /// status the client got (a status outside 100...599 is not counted).
    func request(route: String, outcome: RequestOutcome, status: Int, nanoseconds: Int64) {
        guard let handles = series.requests[route] ?? series.requests[Self.unmatchedRoute] else { return }
        handles.outcomes[outcome]?.increment()
        handles.duration.recordNanoseconds(nanoseconds)
        if (100...599).contains(status) { handles.responses[status / 100 - 1].increment() }
        if outcome == .rateLimited { handles.rateLimited?.increment() }
    }

    func upstreamCall(upstream: String, responseClass: String, nanoseconds: Int64) {
        guard let handles = series.upstreamCalls[upstream] else { return }
        handles.duration.recordNanoseconds(nanoseconds)
        handles.responses[responseClass]?.increment()
    }

    func storeCall(operation: String, failed: Bool, nanoseconds: Int64) {
        fixed.storeDuration[operation]?.recordNanoseconds(nanoseconds)
        if failed { fixed.storeErrors[operation]?.increment() }
    }

    func claimOpened(route: String) { series.claimsInFlight[route]?.increment() }
    func claimClosed(route: String) { series.claimsInFlight[route]?.decrement() }
    func stored(route: String, bytes: Int) { series.storedBytes[route]?.record(bytes) }
    /// A request found its claim taken over (renewal or settling refused):
    /// counted once per request, however many times it found out.
    func leaseLost(route: String) { series.leasesLost[route]?.increment() }
    func operation(route: String, state: OperationState) { series.operations[route]?[state]?.increment() }
    /// A keyed request's upstream call failed after sending (held or released).
    func ambiguousOutcome(route: String, cause: AmbiguousCause) { series.ambiguous[route]?[cause]?.increment() }
    func recordCorrupt(route: String) { series.corruptRecords[route]?.increment() }
    /// A shadow route forwarded a request `enforce` would have answered.
    func shadowed(route: String, would verdict: ShadowVerdict) { series.shadow[route]?[verdict]?.increment() }

    /// Wired to each upstream's `CircuitBreaker.onTransition`.
    public func breakerTransition(upstream: String, to state: CircuitBreakerState) {
        series.breakerState[upstream]?.record(state.gaugeValue)
        series.breakerTransitions[upstream]?[state]?.increment()
    }

    /// A reload replaced the upstream's guard with a new, closed breaker.
    public func breakerReplaced(upstream: String) {
        series.breakerState[upstream]?.record(CircuitBreakerState.closed.gaugeValue)
    }

    /// A connection closed at once because `max_connections` were open.
    func connectionRefused() { fixed.refusedConnections.increment() }
    /// Every connection the client listener accepted, refused ones included.
    func connectionAccepted() { fixed.acceptedConnections.increment() }
    /// Set at scrape time from `ConnectionDrainer.openConnections`, the
    /// count `max_connections` is checked against.
    public func connectionsOpen(_ count: Int) { fixed.openConnections.set(count) }
    func clientTimedOut(_ kind: ClientTimeout) { fixed.clientTimeouts[kind]?.increment() }
    public func reloaded(_ result: ReloadResult) { fixed.reloads[result]?.increment() }
}
