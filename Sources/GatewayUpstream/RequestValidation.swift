internal import GatewayCore

/// Checks what libcurl would take on trust. Strings reach libcurl as C strings,
/// so a NUL silently truncates them, and a CR or LF inside a header would let a
/// value forge extra header lines: such requests are refused before sending.
enum RequestValidation {
    /// Why the request cannot be sent as given, or nil when it can.
    static func problem(in request: UpstreamRequest) -> String? {
        if !HeaderSyntax.isToken(request.method) {
            return "invalid method"
        }
        if request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "URL contains whitespace or control characters"
        }
        // libcurl cuts a URL at `#` (a fragment is never sent), so the
        // upstream would get a shorter path than the one that was routed.
        if request.url.utf8.contains(UInt8(ascii: "#")) {
            return "URL contains #, which would cut the path short"
        }
        for field in request.headers {
            if !HeaderSyntax.isToken(field.name) {
                return "invalid header name"
            }
            if !HeaderSyntax.isSafeValue(field.value) {
                return "header value contains CR, LF or NUL"
            }
        }
        return nil
    }
}
