/// Turns a client request into the upstream request and an upstream
/// response into the client's headers: the proxying rules of RFC 9110 §7.6
/// in one place.
public enum ForwardedRequest {
    /// Request headers the transport sets itself, or that must not pass.
    /// `Idempotency-Fence` is the gateway's to set: a client's own value
    /// could make an upstream accept a stale execution.
    static let replacedRequestHeaders: Set<String> = ["host", "content-length", "expect", "idempotency-fence"]

    /// `replacedRequestHeaders`, compared in place.
    static func isReplaced(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: return name.caseInsensitiveEquals("host")
        case 6: return name.caseInsensitiveEquals("expect")
        case 14: return name.caseInsensitiveEquals("content-length")
        case 17: return name.caseInsensitiveEquals("idempotency-fence")
        default: return false
        }
    }

    /// The header that carries a claim's fencing number to the upstream.
    public static let fenceHeader = "Idempotency-Fence"

    public static func make(_ request: GatewayRequest, upstream: UpstreamSettings) -> UpstreamRequest {
        var headers = HopByHopHeaders.strip(request.headers).filter { !isReplaced($0.name) }
        headers.reserveCapacity(headers.count + 3)
        append(&headers, "X-Forwarded-For", request.clientAddress ?? "unknown")
        append(&headers, "X-Forwarded-Proto", "http")
        if let host = request.headers.first(named: "host") {
            append(&headers, "X-Forwarded-Host", host)
        }
        var url = upstream.baseURL + request.path
        if let query = request.query { url += "?" + query }
        return UpstreamRequest(url: url, method: request.method, headers: headers, body: request.body,
                               timeout: upstream.timeout, connectTimeout: upstream.connectTimeout, upstreamName: upstream.name)
    }

    /// The upstream's headers as the client and the snapshot get them:
    /// end-to-end fields only, framing left to the server.
    public static func responseHeaders(_ headers: [HeaderField]) -> [HeaderField] {
        HopByHopHeaders.strip(headers, alsoRemoving: "content-length")
    }

    /// One hop per proxy: earlier values are kept in order and ours is added
    /// at the end, folded into a single field.
    private static func append(_ headers: inout [HeaderField], _ name: String, _ value: String) {
        // Usually the client sent none: then nothing needs folding.
        guard headers.contains(where: { $0.name.caseInsensitiveEquals(name) }) else {
            headers.append(HeaderField(name: name, value: value))
            return
        }
        let existing = headers.values(named: name)
        headers.remove(named: name)
        headers.append(HeaderField(name: name, value: (existing + [value]).joined(separator: ", ")))
    }
}
