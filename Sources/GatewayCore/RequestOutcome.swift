/// How the gateway handled one request: the `outcome` label of
/// `idempotency_requests_total` and of the request log line.
public enum RequestOutcome: String, Sendable, Hashable, CaseIterable {
    case executed
    case replayed
    case conflict
    case waited
    case mismatch
    case missingKey = "missing_key"
    case invalidKey = "invalid_key"
    case notStored = "not_stored"
    case passthrough
    case storeUnavailable = "store_unavailable"
    case circuitOpen = "circuit_open"
    case overloaded
    case upstreamError = "upstream_error"
    /// The stored record for the key could not be read.
    case recordCorrupt = "record_corrupt"
    /// A `fingerprint: {body: json}` route got a body that is not JSON.
    case bodyNotJSON = "body_not_json"
    /// Refused before routing: bad framing, body too large, no route.
    case rejected
    /// A shadow route forwarded a request that `enforce` would have answered
    /// itself (replay, 409, 422, 400); the event names which.
    case shadowed
    /// 429: the principal's `rate_limit` budget was spent.
    case rateLimited = "rate_limited"
    /// An `async` route's call outlasted `after` (or a retry or poll found
    /// it still running): 202 with the operation's `Location`.
    case accepted
    /// A poll found its operation's execution lost: 502 `operation-lost`.
    case operationLost = "operation_lost"
}
