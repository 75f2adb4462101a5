/// The `# HELP` text of every metric the gateway exports, by name. One table
/// so that a metric without a description is easy to spot in review, and the
/// factory (`DescribedMetricsFactory`) and the registry-made metrics
/// (`ProcessMetrics`) share it. A name missing here is exported without
/// HELP, which the integration test for `/metrics` fails on.
public enum MetricHelp {
    public static let text: [String: String] = [
        "idempotency_requests_total": "Requests answered, by route and what the gateway did (executed, replayed, conflict, rejected, ...).",
        "gateway_request_duration_seconds": "Time the gateway spent on a whole request, from its first byte to its answer, by route.",
        "gateway_responses_total": "Responses sent to clients, by route and status class (1xx to 5xx).",
        "idempotency_in_flight": "Claims held right now, by route: requests executing under an idempotency key.",
        "stored_response_bytes": "Body sizes of the responses stored for replay, by route.",
        "idempotency_operations_total": "Async operations by state: started (the client got 202), completed (response stored), failed (settled without a stored response), lost (a poll found its execution gone).",
        "idempotency_lease_lost_total": "Requests that found their claim taken over by another (paused or partitioned past lock_ttl); the upstream may have run twice.",
        "idempotency_ambiguous_total": "Keyed requests whose upstream call failed after the request was sent, by route and cause.",
        "idempotency_shadow_total": "Requests a mode: shadow route forwarded that mode: enforce would have answered itself, by route and what it would have done (replay, conflict, mismatch, missing_key, invalid_key).",
        "rate_limited_total": "Requests refused with 429 rate-limited because the principal's rate_limit budget was spent, by route.",
        "idempotency_record_corrupt_total": "Claims that found a stored record they could not read, answered 500 record-corrupt.",
        "upstream_request_duration_seconds": "Time of one upstream call, by upstream.",
        "upstream_responses_total": "Upstream calls by upstream and result class (2xx to 5xx, connect_error, timeout).",
        "circuit_breaker_state": "Circuit breaker state by upstream: 0 closed, 1 open, 2 half-open.",
        "circuit_breaker_transitions_total": "Circuit breaker transitions by upstream and the state entered.",
        "store_operation_duration_seconds": "Time of one idempotency store operation, by operation.",
        "store_errors_total": "Failed idempotency store operations, by operation.",
        "client_connections_refused_total": "Client connections closed at once because limits.max_connections were open.",
        "client_connections_accepted_total": "Client connections the listener accepted, including those refused at limits.max_connections.",
        "client_connections_open": "Client connections open at scrape time (what limits.max_connections is checked against).",
        "client_timeouts_total": "Client connections ended by a timeout, by kind (header, body, keepalive, send).",
        "admin_key_operations_total": "Admin key API calls (GET and DELETE /keys/...), by operation (show, purge) and result.",
        "config_reload_total": "Configuration reloads by result (applied, invalid, restart_needed).",
        "idempotency_gateway_build_info": "Always 1; the version label names the running gateway's release.",
        "process_resident_memory_bytes": "Resident memory size of the gateway process in bytes.",
        "process_cpu_seconds_total": "User and system CPU time the gateway process has used, in seconds.",
        "process_open_fds": "File descriptors the gateway process has open.",
        "tracing_spans_exported_total": "Spans the OTLP exporter delivered to the collector (tracing.otlp_endpoint).",
        "tracing_spans_dropped_total": "Spans not delivered: the buffer was full or the collector refused or could not be reached.",
        "process_start_time_seconds": "Start time of the gateway process, in seconds since the Unix epoch.",
    ]

    /// The text for `name`, or empty (no HELP line) for a name not listed.
    public static func text(for name: String) -> String { text[name] ?? "" }
}
