/// Every problem the gateway produces, in one place so the README's client
/// contract can be checked against it.
public enum Problems {
    public static func missingKey(header: String) -> Problem {
        Problem(slug: "missing-idempotency-key", title: "Idempotency key required", status: 400,
                detail: "this route requires an \(header) header on this method")
    }

    /// A `key_json` route whose body has no string or integer at the pointer
    /// (or is not JSON at all).
    public static func missingBodyKey(pointer: JSONPointer) -> Problem {
        Problem(slug: "missing-idempotency-key", title: "Idempotency key required", status: 400,
                detail: "this route requires a JSON body with a string or integer idempotency key at \(pointer.text.isEmpty ? "\"\" (the whole body)" : pointer.text)")
    }

    /// A `fingerprint: {body: json}` route cannot fingerprint a body it
    /// cannot read as JSON, and refusing beats comparing the raw bytes.
    public static func bodyNotJSON(_ error: JSONError) -> Problem {
        Problem(slug: "body-not-json", title: "Request body is not JSON", status: 400,
                detail: "this route compares retries by the JSON form of the body, and the body is not JSON (\(error)); nothing was forwarded")
    }

    public static func invalidKey(header: String, _ reason: IdempotencyKey.Invalid) -> Problem {
        Problem(slug: "invalid-idempotency-key", title: "Invalid idempotency key", status: 400,
                detail: "\(header): \(reason.explanation)")
    }

    public static func duplicateKeyHeader(header: String) -> Problem {
        Problem(slug: "invalid-idempotency-key", title: "Invalid idempotency key", status: 400,
                detail: "the request carries more than one \(header) header")
    }

    public static func inFlight(retryAfter: Int) -> Problem {
        Problem(slug: "request-in-flight", title: "A request with this idempotency key is in progress", status: 409,
                detail: "another request with the same idempotency key has not finished yet; retry after the indicated delay",
                retryAfter: retryAfter)
    }

    public static func mismatch(header: String) -> Problem {
        Problem(slug: "idempotency-key-reused", title: "Idempotency key reused with a different request", status: 422,
                detail: "this \(header) was first used with a different method, path, query, body or fingerprint header")
    }

    public static func responseNotKept(originalStatus: Int) -> Problem {
        Problem(slug: "response-not-kept", title: "Operation completed; response not kept", status: 410,
                detail: "the request with this idempotency key completed with status \(originalStatus), but its response was larger than the gateway keeps, so it cannot be replayed",
                extensions: [("original_status", String(originalStatus))])
    }

    public static func rateLimited(retryAfter: Duration) -> Problem {
        Problem(slug: "rate-limited", title: "Rate limit exceeded", status: 429,
                detail: "this client has sent more requests on this route than its rate limit allows; nothing was executed; retry after the indicated delay",
                retryAfter: retryAfter.retryAfterSeconds)
    }

    public static func storeUnavailable() -> Problem {
        Problem(slug: "store-unavailable", title: "Idempotency store unavailable", status: 503,
                detail: "the gateway cannot reach its idempotency store, so it did not forward the request; nothing was executed",
                retryAfter: 1)
    }

    public static func circuitOpen(upstream: String, retryAfter: Duration) -> Problem {
        Problem(slug: "circuit-open", title: "Upstream circuit open", status: 503,
                detail: "upstream \(upstream) is failing, so the gateway is not sending it requests for now; nothing was executed",
                retryAfter: retryAfter.retryAfterSeconds)
    }

    public static func overloaded(upstream: String) -> Problem {
        Problem(slug: "upstream-overloaded", title: "Too many requests in flight", status: 503,
                detail: "upstream \(upstream) already has as many requests in flight as the gateway allows; nothing was executed",
                retryAfter: 1)
    }

    public static func upstreamUnreachable(upstream: String) -> Problem {
        Problem(slug: "upstream-unreachable", title: "Upstream unreachable", status: 502,
                detail: "could not connect to upstream \(upstream); the request was not sent")
    }

    public static func upstreamFailed(upstream: String) -> Problem {
        Problem(slug: "upstream-failed", title: "Bad response from upstream", status: 502,
                detail: "the connection to upstream \(upstream) failed before a complete response arrived; the request may have executed")
    }

    public static func upstreamTimeout(upstream: String) -> Problem {
        Problem(slug: "upstream-timeout", title: "Upstream timed out", status: 504,
                detail: "upstream \(upstream) did not answer in time; the request may have executed, and a retry with the same key executes it again")
    }

    /// The answer `on_ambiguous: hold` stores: the same bytes for the first
    /// client and every retry, so a replay never contradicts the original.
    public static func outcomeUnknown(upstream: String, cause: AmbiguousCause) -> Problem {
        let what = switch cause {
        case .timeout: "did not answer in time after it was sent the request"
        case .protocolError: "closed the connection or sent a malformed response after it was sent the request"
        case .shutdown: "had the request when the gateway shut down"
        }
        return Problem(slug: "outcome-unknown", title: "Upstream outcome unknown", status: 502,
                       detail: "upstream \(upstream) \(what), so the request may or may not have executed; "
                           + "it will not be executed again with this idempotency key, and retries get this answer until the key expires",
                       extensions: [("cause", JSONText.quote(cause.rawValue))])
    }

    public static func recordCorrupt() -> Problem {
        Problem(slug: "record-corrupt", title: "Stored idempotency record unreadable", status: 500,
                detail: "the record stored for this idempotency key cannot be read, so the gateway cannot tell whether the request already executed; nothing was forwarded")
    }

    public static func bodyTooLarge(limit: ByteSize) -> Problem {
        Problem(slug: "request-body-too-large", title: "Request body too large", status: 413,
                detail: "the request body exceeds the limit of \(limit)")
    }

    public static func expectationFailed() -> Problem {
        Problem(slug: "expectation-failed", title: "Expectation not supported", status: 417,
                detail: "the only expectation the gateway meets is Expect: 100-continue; nothing was forwarded")
    }

    public static func badRequest(_ detail: String) -> Problem {
        Problem(slug: "bad-request", title: "Bad request", status: 400, detail: detail)
    }

    public static func noRoute(method: String, path: String) -> Problem {
        Problem(slug: "no-route", title: "No route", status: 404,
                detail: "no route matches \(method) \(path)")
    }
}
