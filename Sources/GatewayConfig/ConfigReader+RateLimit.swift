internal import Yams
import GatewayCore

/// A route's `rate_limit` block.
extension ConfigReader {
    static let rateLimitFields = ["requests", "per", "by", "count"]

    /// `keyed` says whether the route has an enabled idempotency policy:
    /// without one, `count: keyed` would count nothing.
    func rateLimitPolicy(_ node: Node, at path: FieldPath, keyed: Bool) -> RateLimitPolicy? {
        guard let fields = fields(of: node, at: path, known: Self.rateLimitFields,
                                  emptyHint: "set at least `requests`, or remove the field for no limit")
        else { return nil }
        let requests = required(fields, "requests").flatMap {
            integer($0, at: fields.path("requests"), in: 1...1_000_000, expected: "a number of requests")
        }
        let per = optional(fields, "per", default: Duration.seconds(1)) { duration($0, at: $1) }
        let by = optional(fields, "by", default: [String]()) { list($0, at: $1) { headerName($0, at: $1) } }
        let count = optional(fields, "count", default: RateLimitCount.keyed) { choice($0, at: $1, as: RateLimitCount.self) }
        guard let requests, let per, let by, let count else { return nil }
        if count == .keyed, !keyed {
            report(fields.contains("count") ? fields.path("count") : path,
                   "count: keyed (the default) counts requests that claim a key, and this route has no enabled "
                   + "`idempotency` block; set `count: all`")
            return nil
        }
        // GCRA counts whole microseconds between two requests.
        if per.milliseconds * 1000 < Int64(requests) {
            report(fields.path("requests"), "\(requests) requests per \(DurationText.format(per)) is more than one per microsecond")
            return nil
        }
        return RateLimitPolicy(requests: requests, per: per, by: by, count: count)
    }
}
