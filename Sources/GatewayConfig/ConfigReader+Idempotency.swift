internal import Yams
import GatewayCore

/// A route's `idempotency` block.
extension ConfigReader {
    static let idempotencyFields = [
        "header", "methods", "required", "ttl", "lock_ttl", "scope_headers", "fingerprint_headers",
        "store_statuses", "on_conflict", "wait_timeout", "on_ambiguous", "enabled", "mode", "async",
    ] + bodyIdempotencyFields

    /// `storeTimeout` bounds one store round trip (nil for the memory store);
    /// the lock_ttl check needs it. Nil for `enabled: false` too: the block
    /// is still checked, so switching it back on cannot reveal old mistakes.
    func idempotencyPolicy(_ node: Node, at path: FieldPath, storeTimeout: Duration?) -> IdempotencyPolicy? {
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
        policy.onAmbiguous = optional(fields, "on_ambiguous", default: defaults.onAmbiguous) {
            choice($0, at: $1, as: AmbiguousOutcomeMode.self)
        } ?? defaults.onAmbiguous
        policy.mode = optional(fields, "mode", default: defaults.mode) { choice($0, at: $1, as: IdempotencyMode.self) }
            ?? defaults.mode
        let enabled = optional(fields, "enabled", default: true) { bool($0, at: $1) } ?? true
        readBodyFields(fields, into: &policy)
        if let node = fields["async"] { policy.asyncAfter = asyncAfter(node, at: fields.path("async")) }

        // The owner renews its claim every lock_ttl/3 while the upstream call
        // runs, so the lease no longer has to outlast the call. It must
        // outlast a renewal: a round trip can take the whole store timeout,
        // and a lease shorter than three of them could lapse between two
        // renewals of a healthy gateway, letting a retry execute again.
        if let lockTTL, let storeTimeout, lockTTL < storeTimeout * 3 {
            let origin = fields.contains("lock_ttl") ? "" : ", the default"
            report(fields.path("lock_ttl"),
                   "lock_ttl (\(DurationText.format(lockTTL))\(origin)) must be at least 3 × store.redis.timeout "
                   + "(\(DurationText.format(storeTimeout * 3))): the claim is renewed every lock_ttl/3, "
                   + "and each renewal may take up to the store timeout")
        }
        return enabled ? policy : nil
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
