/// An RFC 9457 problem detail: every error the gateway itself produces is one
/// of these, served as `application/problem+json`.
public struct Problem: Sendable, Hashable {
    /// The last segment of the `type` URI; see `typeURI`.
    public var slug: String
    public var title: String
    public var status: Int
    public var detail: String
    /// Seconds, sent as the Retry-After header when set.
    public var retryAfter: Int?
    /// Extension members (RFC 9457 §3.2), as pre-rendered JSON values.
    public var extensions: [(name: String, json: String)]

    public init(slug: String, title: String, status: Int, detail: String, retryAfter: Int? = nil, extensions: [(name: String, json: String)] = []) {
        self.slug = slug
        self.title = title
        self.status = status
        self.detail = detail
        self.retryAfter = retryAfter
        self.extensions = extensions
    }

    public static func == (lhs: Problem, rhs: Problem) -> Bool {
        lhs.slug == rhs.slug && lhs.status == rhs.status && lhs.detail == rhs.detail && lhs.retryAfter == rhs.retryAfter
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(slug)
        hasher.combine(status)
    }

    /// The problem `type`: a tag URI (RFC 4151), stable and documented in the
    /// README, that needs no web site to exist.
    public var typeURI: String { "tag:idempotency-gateway,2026:\(slug)" }

    public var body: [UInt8] {
        var json = "{\"type\":\(Self.quote(typeURI)),\"title\":\(Self.quote(title)),\"status\":\(status),\"detail\":\(Self.quote(detail))"
        for member in extensions {
            json += ",\(Self.quote(member.name)):\(member.json)"
        }
        json += "}"
        return Array(json.utf8)
    }

    public var response: GatewayResponse {
        var headers = [HeaderField(name: "Content-Type", value: "application/problem+json")]
        if let retryAfter { headers.append(HeaderField(name: "Retry-After", value: String(retryAfter))) }
        return GatewayResponse(status: status, headers: headers, body: body)
    }

    /// A JSON string literal.
    public static func quote(_ text: String) -> String {
        JSONText.quote(text)
    }
}
