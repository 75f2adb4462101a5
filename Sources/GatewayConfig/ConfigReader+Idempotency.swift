internal import Yams
import GatewayCore

/// A route's `idempotency` block.
extension ConfigReader {
    static let idempotencyFields = [
        "header", "methods", "required", "ttl", "lock_ttl", "scope_headers", "fingerprint_headers",
        "store_statuses", "on_conflict", "wait_timeout",
    ]

    /// `upstream` is the route's resolved upstream, nil if it could not be
    /// resolved; the lock_ttl check needs its timeout.
    func idempotencyPolicy(_ node: Node, at path: FieldPath, upstream: UpstreamSettings?) -> IdempotencyPolicy? {
        guard let fields = fields(of: node, at: path, known: Self.idempotencyFields,
                                  emptyHint: "write `{}` for the defaults, or remove the field for pass-through")
        else { return nil }
        let defaults = IdempotencyPolicy()
        var policy = defaults
        policy.header = optional(fields, "header", default: defaults.header) { headerName($0, at: $1) } ?? defaults.header
        policy.methods = optional(fields, "methods", default: defaults.methods) {
            methods($0, at: $1, emptyHint: "remove the `idempotency` block for a pass-through route")
        } ?? defaults.methods
        policy.required = optional(fields, "required", default: defaults.required) { bool($0, at: $1) } ?? defaults.required
        policy.ttl = optional(fields, "ttl", default: defaults.ttl) { duration($0, at: $1) } ?? defaults.ttl
        let lockTTL = optional(fields, "lock_ttl", default: defaults.lockTTL) { duration($0, at: $1) }
        policy.lockTTL = lockTTL ?? defaults.lockTTL
        policy.scopeHeaders = optional(fields, "scope_headers", default: defaults.scopeHeaders) {
            list($0, at: $1) { headerName($0, at: $1) }
        } ?? defaults.scopeHeaders
        policy.fingerprintHeaders = optional(fields, "fingerprint_headers", default: defaults.fingerprintHeaders) {
            list($0, at: $1) { headerName($0, at: $1) }
        } ?? defaults.fingerprintHeaders
        policy.storePolicy = optional(fields, "store_statuses", default: defaults.storePolicy) {
            storeStatuses($0, at: $1).map(StorePolicy.init(patterns:))
        } ?? defaults.storePolicy
        policy.onConflict = optional(fields, "on_conflict", default: defaults.onConflict) {
            choice($0, at: $1, as: ConflictMode.self)
        } ?? defaults.onConflict
        policy.waitTimeout = optional(fields, "wait_timeout", default: defaults.waitTimeout) { duration($0, at: $1) }
            ?? defaults.waitTimeout

        // The claim must outlive the longest upstream call: if it expired
        // first, a retry could claim the key and execute the request twice.
        if let lockTTL, let upstream, lockTTL <= upstream.timeout {
            let origin = fields.contains("lock_ttl") ? "" : ", the default"
            report(fields.path("lock_ttl"),
                   "lock_ttl (\(DurationText.format(lockTTL))\(origin)) must be greater than the timeout of upstream "
                   + "`\(upstream.name)` (\(DurationText.format(upstream.timeout))), or a slow request's claim "
                   + "expires while it runs and a retry executes it again")
        }
        return policy
    }

    private func storeStatuses(_ node: Node, at path: FieldPath) -> [StatusPattern]? {
        list(node, at: path) { item, itemPath -> StatusPattern? in
            guard let text = text(item, at: itemPath, expected: "a status code or class") else { return nil }
            guard let pattern = StatusPattern(parsing: text) else {
                report(itemPath, "\"\(text)\" is not a status code (e.g. 404) or class (e.g. 2xx)")
                return nil
            }
            if case .exact(let code) = pattern, StorePolicy.neverStored.contains(code) {
                report(itemPath, "\(code) is never stored: it asks the client to try again, "
                       + "and replaying it would make a passing refusal permanent")
                return nil
            }
            return pattern
        }
    }
}
