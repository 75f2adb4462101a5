import GatewayCore
import NIOCore
import NIOHTTP1

/// Writes a `GatewayResponse` as the bytes of one HTTP/1.1 response, framed
/// by Content-Length, into a single buffer: status line, headers and body go
/// to the socket in one write.
///
/// Why not NIO's `HTTPResponseEncoder`: it takes `HTTPHeaders`, which means
/// copying every header once more, and with its header validator it cost a
/// tenth of all the instructions of a proxied request. The gateway always
/// holds the whole body and frames by length, so it needs none of the
/// encoder's generality.
///
/// Header fields are checked here, byte by byte, as the validator did: a
/// name must be an RFC 9110 token and a value must not hold CR, LF or NUL, or
/// the field is left out. Upstream headers are checked when they are
/// received, so in practice this only guards against a tampered snapshot:
/// no stored or upstream byte can ever split a response.
enum HTTPResponseSerializer {
    /// What the connection does after this response, beyond the status and body.
    struct Framing {
        var version: HTTPVersion
        var keepAlive: Bool
        /// For HEAD: the headers, Content-Length included, but no body.
        var headOnly: Bool
    }

    static func write(_ response: GatewayResponse, requestID: String?, framing: Framing, into buffer: inout ByteBuffer) {
        writeStatusLine(response.status, version: framing.version, into: &buffer)
        for field in response.headers where isValid(field) {
            writeField(field.name, field.value, into: &buffer)
        }
        if let requestID { writeField("X-Request-Id", requestID, into: &buffer) }
        buffer.writeStaticString("Content-Length: ")
        writeDecimal(response.body.count, into: &buffer)
        buffer.writeStaticString("\r\n")
        if !framing.keepAlive {
            buffer.writeStaticString("Connection: close\r\n")
        } else if framing.version.minor == 0 {
            // An HTTP/1.0 client assumes close unless told otherwise.
            buffer.writeStaticString("Connection: keep-alive\r\n")
        }
        buffer.writeStaticString("\r\n")
        if !framing.headOnly { buffer.writeBytes(response.body) }
    }

    /// Enough for the response in one allocation in the common case.
    static func estimatedSize(_ response: GatewayResponse, requestID: String?) -> Int {
        var size = 64 + response.body.count + (requestID?.utf8.count ?? 0)
        for field in response.headers { size += field.name.utf8.count + field.value.utf8.count + 4 }
        return size
    }

    private static func writeStatusLine(_ status: Int, version: HTTPVersion, into buffer: inout ByteBuffer) {
        buffer.writeStaticString(version.minor == 0 && version.major == 1 ? "HTTP/1.0 " : "HTTP/1.1 ")
        // A status outside 100...999 cannot be written as three digits; the
        // upstream sent garbage, and 502 says so.
        let code = (100...999).contains(status) ? status : 502
        writeDecimal(code, into: &buffer)
        buffer.writeInteger(UInt8(ascii: " "))
        buffer.writeString(HTTPResponseStatus(statusCode: code).reasonPhrase)
        buffer.writeStaticString("\r\n")
    }

    private static func writeField(_ name: String, _ value: String, into buffer: inout ByteBuffer) {
        buffer.writeString(name)
        buffer.writeStaticString(": ")
        buffer.writeString(value)
        buffer.writeStaticString("\r\n")
    }

    private static func writeDecimal(_ value: Int, into buffer: inout ByteBuffer) {
        precondition(value >= 0)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { scratch in
            var rest = value
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }

    /// True when the field can be written without changing the framing.
    static func isValid(_ field: HeaderField) -> Bool {
        HeaderSyntax.isToken(field.name) && HeaderSyntax.isSafeValue(field.value)
    }
}
