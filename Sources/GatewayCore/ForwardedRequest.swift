/// Turns a client request into the upstream request and an upstream
/// response into the client's headers: the proxying rules of RFC 9110 §7.6
/// in one place.
public enum ForwardedRequest {
    /// Request headers the transport sets itself, or that must not pass.
    /// `Idempotency-Fence` and `Idempotent-Replayed` are the gateway's to set:
    /// a client's own fence could make an upstream accept a stale execution.
    static let replacedRequestHeaders: Set<String> = ["host", "content-length", "expect", "idempotency-fence", "idempotent-replayed"]

    /// `replacedRequestHeaders`, compared in place.
    static func isReplaced(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: return name.caseInsensitiveEquals("host")
        case 6: return name.caseInsensitiveEquals("expect")
        case 14: return name.caseInsensitiveEquals("content-length")
        case 17: return name.caseInsensitiveEquals("idempotency-fence")
        case 19: return name.caseInsensitiveEquals("idempotent-replayed")
        default: return false
        }
    }

    /// The header that carries a claim's fencing number to the upstream.
    public static let fenceHeader = "Idempotency-Fence"

    /// Headers the gateway adds or relies on: a client's `Connection` token
    /// cannot make them hop-by-hop and so remove them from the forwarded request.
    static let addedRequestHeaders = ["X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Request-Id", "traceparent"]

    /// The methods RFC 9110 §9.2.2 calls idempotent *and* that carry no
    /// state change a re-send could repeat: only these may be sent twice.
    static func isSafeToRepeat(_ method: String) -> Bool {
        method == "GET" || method == "HEAD" || method == "OPTIONS"
    }

    /// - Parameters:
    ///   - keyHeader: the route's idempotency key header, if it has one: it
    ///     survives a `Connection` token that names it, and a request carrying
    ///     it is never re-sent.
    ///   - keyed: the pipeline holds a claim for this request.
    public static func make(_ request: GatewayRequest, upstream: UpstreamSettings, keyHeader: String? = nil, keyed: Bool = false) -> UpstreamRequest {
        // One pass and one copy: hop-by-hop fields and those the transport
        // or the gateway sets go together, with room for the three added below.
        var headers = HopByHopHeaders.strip(request.headers, protecting: { name in
            addedRequestHeaders.contains { name.caseInsensitiveEquals($0) } || keyHeader.map { name.caseInsensitiveEquals($0) } == true
        }, alsoRemoving: isReplaced, reservingExtra: 3)
        headers.reserveCapacity(headers.count + 3)
        let host = request.headers.first(named: "host")
        if headers.contains(where: { isForwardingField($0.name) }) {
            append(&headers, "X-Forwarded-For", request.clientAddress ?? "unknown")
            append(&headers, "X-Forwarded-Proto", "http")
            if let host { append(&headers, "X-Forwarded-Host", host) }
        } else {
            // Usually the client sent none of them: then nothing needs folding.
            headers.append(HeaderField(name: "X-Forwarded-For", value: request.clientAddress ?? "unknown"))
            headers.append(HeaderField(name: "X-Forwarded-Proto", value: "http"))
            if let host { headers.append(HeaderField(name: "X-Forwarded-Host", value: host)) }
        }
        var url = upstream.baseURL + UpstreamPath.confined(request.path)
        if let query = request.query { url += "?" + query }
        let carriesKey = keyHeader.map { request.headers.first(named: $0) != nil } ?? false
        return UpstreamRequest(url: url, method: request.method, headers: headers, body: request.body,
                               timeout: upstream.timeout, connectTimeout: upstream.connectTimeout, upstreamName: upstream.name,
                               mayResend: isSafeToRepeat(request.method) && !keyed && !carriesKey,
                               idleTimeout: upstream.idleTimeout)
    }

    /// Headers the gateway writes itself on its answers: an upstream's own
    /// copy would let a fresh response claim to be a replay, or carry a fence.
    static func isGatewayOwned(_ name: String) -> Bool {
        switch name.utf8.count {
        case 14: return name.caseInsensitiveEquals("content-length")
        case 17: return name.caseInsensitiveEquals("idempotency-fence")
        case 19: return name.caseInsensitiveEquals("idempotent-replayed")
        default: return false
        }
    }

    /// The upstream's headers as the client and the snapshot get them:
    /// end-to-end fields only, framing and the gateway's own headers left to
    /// the server.
    public static func responseHeaders(_ headers: [HeaderField]) -> [HeaderField] {
        HopByHopHeaders.strip(headers, alsoRemoving: isGatewayOwned)
    }

    /// X-Forwarded-For, -Proto or -Host, in any case.
    static func isForwardingField(_ name: String) -> Bool {
        switch name.utf8.count {
        case 15: return name.caseInsensitiveEquals("x-forwarded-for")
        case 16: return name.caseInsensitiveEquals("x-forwarded-host")
        case 17: return name.caseInsensitiveEquals("x-forwarded-proto")
        default: return false
        }
    }

    /// One hop per proxy: earlier values are kept in order and ours is added
    /// at the end, folded into a single field.
    private static func append(_ headers: inout [HeaderField], _ name: String, _ value: String) {
        guard headers.contains(where: { $0.name.caseInsensitiveEquals(name) }) else {
            headers.append(HeaderField(name: name, value: value))
            return
        }
        let existing = headers.values(named: name)
        headers.remove(named: name)
        headers.append(HeaderField(name: name, value: (existing + [value]).joined(separator: ", ")))
    }
}
