import GatewayCore

/// The problems the connection handler answers on its own, about how a
/// client sends rather than what it asks.
enum ClientProblems {
    /// A request under way whose head or body stopped arriving.
    static func requestTimeout() -> Problem {
        Problem(slug: "request-timeout", title: "Request timed out", status: 408,
                detail: "the request did not arrive in time; nothing was forwarded and the connection is closed")
    }

    /// A request line and header fields larger than `limits.max_header_bytes`.
    static func headerTooLarge(limit: Int) -> Problem {
        Problem(slug: "request-header-too-large", title: "Request header too large", status: 431,
                detail: "the request line and header fields exceed the limit of \(ByteSize(bytes: limit)); nothing was forwarded and the connection is closed")
    }
}
