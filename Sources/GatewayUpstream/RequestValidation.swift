internal import GatewayCore

/// Checks what libcurl would take on trust. Strings reach libcurl as C strings,
/// so a NUL silently truncates them, and a CR or LF inside a header would let a
/// value forge extra header lines: such requests are refused before sending.
enum RequestValidation {
    /// Why the request line cannot be sent as given, or nil when it can.
    /// Header fields are checked as their lines are built
    /// (`CurlHeaderList.append`), so each byte is read once.
    static func problem(in request: UpstreamRequest) -> String? {
        if !HeaderSyntax.isToken(request.method) {
            return "invalid method"
        }
        // One pass over the URL's own bytes for both checks.
        return request.url.withUTF8Bytes { bytes in
            var hasFragment = false
            for byte in bytes {
                if byte <= 0x20 || byte == 0x7F { return "URL contains whitespace or control characters" }
                if byte == UInt8(ascii: "#") { hasFragment = true }
            }
            // libcurl cuts a URL at `#` (a fragment is never sent), so the
            // upstream would get a shorter path than the one that was routed.
            return hasFragment ? "URL contains #, which would cut the path short" : nil
        }
    }

    /// Why a header field cannot be sent, or nil when it can.
    static func problem(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> String? {
        if !HeaderSyntax.isToken(name) {
            return "invalid header name"
        }
        if !HeaderSyntax.isSafeValue(value) {
            return "header value contains CR, LF or NUL"
        }
        return nil
    }

    /// `problem(name:value:)` for a field that is checked but not sent.
    static func problem(in field: HeaderField) -> String? {
        field.name.withUTF8Bytes { name in field.value.withUTF8Bytes { value in problem(name: name, value: value) } }
    }
}
