internal import GatewayCore

/// Checks what libcurl would take on trust. Strings reach libcurl as C strings,
/// so a NUL silently truncates them, and a CR or LF inside a header would let a
/// value forge extra header lines: such requests are refused before sending.
enum RequestValidation {
    /// Why the request cannot be sent as given, or nil when it can.
    static func problem(in request: UpstreamRequest) -> String? {
        if request.method.isEmpty || !request.method.utf8.allSatisfy(isTokenByte) {
            return "invalid method"
        }
        if request.url.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) {
            return "URL contains whitespace or control characters"
        }
        for field in request.headers {
            if field.name.isEmpty || !field.name.utf8.allSatisfy(isTokenByte) {
                return "invalid header name"
            }
            if field.value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 }) {
                return "header value contains CR, LF or NUL"
            }
        }
        return nil
    }

    /// RFC 9110 `tchar`.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }
}
