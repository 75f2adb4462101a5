import NIOCore

/// The event `ClientByteCounter` sends ahead of each read: how many raw bytes
/// arrived. NIO's decoder only reports whole heads, so without it the handler
/// could not tell an idle connection from one whose head is half sent (a
/// silent close against a 408), nor count the bytes a head takes on the wire.
struct ClientBytesRead {
    /// The read itself (shared, not copied), for a look at a request line.
    var buffer: ByteBuffer

    /// True when the buffer starts with a whole request line that names no
    /// version: `GET /` (HTTP/0.9). NIO's parser waits for one more byte
    /// after such a line, so the client would wait for an answer while the
    /// gateway waits for its head; the handler closes at once instead.
    ///
    /// Runs on every read, so it scans raw bytes once: the generic
    /// collection version cost about 9,700 instructions per request.
    var startsWithHTTP09Line: Bool {
        buffer.withUnsafeReadableBytes { bytes in
            let end = Swift.min(bytes.count, 8192)
            var lineFeed = -1
            var sawSpace = false
            var index = 0
            while index < end {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\n") { lineFeed = index; break }
                if byte == UInt8(ascii: " ") { sawSpace = true }
                index += 1
            }
            guard lineFeed >= 0, sawSpace else { return false }
            // " HTTP/" anywhere in the line marks a version.
            var start = 0
            while start + 6 <= lineFeed {
                if bytes[start] == UInt8(ascii: " "), bytes[start + 1] == UInt8(ascii: "H"), bytes[start + 2] == UInt8(ascii: "T"),
                   bytes[start + 3] == UInt8(ascii: "T"), bytes[start + 4] == UInt8(ascii: "P"), bytes[start + 5] == UInt8(ascii: "/") {
                    return false
                }
                start += 1
            }
            return true
        }
    }
}
