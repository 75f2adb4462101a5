import GatewayCore
import NIOCore
import NIOHTTP1

/// Writes a `GatewayResponse` as the bytes of one HTTP/1.1 response, framed
/// by Content-Length, into a single buffer: status line, headers and body go
/// to the socket in one write. A streamed body is the exception: only its
/// head is written here (see `Framing.streamed`).
///
/// Why not NIO's `HTTPResponseEncoder`: it takes `HTTPHeaders`, which means
/// copying every header once more, and with its header validator it cost a
/// tenth of all the instructions of a proxied request. The gateway holds
/// every body but a streamed one whole, and frames by length, so it needs
/// none of the encoder's generality.
///
/// Header fields are checked here, byte by byte, as the validator did: a
/// name must be an RFC 9110 token and a value must not hold CR, LF or NUL, or
/// the field is left out. This is the one check for upstream headers and
/// stored snapshots alike, so no upstream or stored byte can ever split a
/// response.
enum HTTPResponseSerializer {
    /// What the connection does after this response, beyond the status and body.
    struct Framing {
        var version: HTTPVersion
        var keepAlive: Bool
        /// For HEAD: the headers, Content-Length included, but no body.
        var headOnly: Bool
        /// Set for a streamed body: only the head is written here, delimited
        /// this way, and `StreamedBodyWriter` writes the body.
        var streamed: StreamedBodyFraming? = nil
    }

    static func write(_ response: GatewayResponse, requestID: String?, framing: Framing, into buffer: inout ByteBuffer) {
        let status = (100...999).contains(response.status) ? response.status : 502
        let capacity = estimatedSize(response, requestID: requestID)
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: capacity) { memory in
            var out = Output(memory: memory)
            putStatusLine(status, http10: framing.version.major == 1 && framing.version.minor == 0, into: &out)
            for field in response.headers { out.putField(field.name, field.value) }
            if let requestID { out.putField("X-Request-Id", requestID) }
            switch framing.streamed {
            case nil:
                out.put("Content-Length: ")
                out.putDecimal(response.body.count)
                out.put("\r\n")
            case .contentLength(let length):
                out.put("Content-Length: ")
                out.putDecimal(length)
                out.put("\r\n")
            case .chunked:
                out.put("Transfer-Encoding: chunked\r\n")
            case .closeDelimited:
                break
            }
            if !framing.keepAlive {
                out.put("Connection: close\r\n")
            } else if framing.version.minor == 0 {
                // An HTTP/1.0 client assumes close unless told otherwise.
                out.put("Connection: keep-alive\r\n")
            }
            out.put("\r\n")
            if !framing.headOnly, framing.streamed == nil { response.body.withUnsafeBytes { out.put($0) } }
            return out.written
        }
    }

    /// An upper bound of what `write` writes, so it needs one allocation.
    static func estimatedSize(_ response: GatewayResponse, requestID: String?) -> Int {
        var size = 128 + response.body.count + (requestID?.utf8.count ?? 0)
        for field in response.headers { size += field.name.utf8.count + field.value.utf8.count + 4 }
        return size
    }

    /// True when the field can be written without changing the framing.
    static func isValid(name: UnsafeBufferPointer<UInt8>, value: UnsafeBufferPointer<UInt8>) -> Bool {
        HeaderSyntax.isToken(name) && HeaderSyntax.isSafeValue(value)
    }

    /// "HTTP/1.1 201 Created\r\n" and the like, made once per status code.
    private static func putStatusLine(_ status: Int, http10: Bool, into out: inout Output) {
        guard (100...599).contains(status) else {
            // Three digits the table does not cover: no reason phrase.
            out.put(http10 ? "HTTP/1.0 " : "HTTP/1.1 ")
            out.putDecimal(status)
            out.put(" \r\n")
            return
        }
        (http10 ? statusLines10 : statusLines11)[status - 100].withUnsafeBytes { out.put($0) }
    }

    private static let statusLines11 = makeStatusLines("HTTP/1.1 ")
    private static let statusLines10 = makeStatusLines("HTTP/1.0 ")

    private static func makeStatusLines(_ version: String) -> [[UInt8]] {
        (100...599).map { code in
            Array("\(version)\(code) \(HTTPResponseStatus(statusCode: code).reasonPhrase)\r\n".utf8)
        }
    }

    /// A cursor over the buffer's writable bytes. `estimatedSize` bounds
    /// everything written, so it never checks for room.
    private struct Output {
        let memory: UnsafeMutableRawBufferPointer
        var written = 0

        mutating func put(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            precondition(written + bytes.count <= memory.count)
            (memory.baseAddress! + written).copyMemory(from: base, byteCount: bytes.count)
            written += bytes.count
        }

        mutating func put(_ text: StaticString) {
            put(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
        }

        /// `name: value` and CRLF when the field passes `isValid`, nothing
        /// otherwise: each string's bytes are checked and copied from its own
        /// storage, with no copy of the string.
        mutating func putField(_ name: String, _ value: String) {
            name.withUTF8Bytes { name in
                value.withUTF8Bytes { value in
                    guard HTTPResponseSerializer.isValid(name: name, value: value) else { return }
                    put(UnsafeRawBufferPointer(name))
                    put(": ")
                    put(UnsafeRawBufferPointer(value))
                    put("\r\n")
                }
            }
        }

        mutating func putDecimal(_ value: Int) {
            DecimalDigits.forEach(of: value) { digit in
                precondition(written < memory.count)
                memory[written] = digit
                written += 1
            }
        }
    }
}
