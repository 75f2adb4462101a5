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
    var startsWithHTTP09Line: Bool {
        let view = buffer.readableBytesView
        guard let lineFeed = view.prefix(8192).firstIndex(of: UInt8(ascii: "\n")) else { return false }
        let line = view[view.startIndex..<lineFeed]
        guard line.contains(UInt8(ascii: " ")) else { return false }
        let version = Array(" HTTP/".utf8)
        return !line.indices.contains { index in
            line[index...].prefix(version.count).elementsEqual(version)
        }
    }
}
