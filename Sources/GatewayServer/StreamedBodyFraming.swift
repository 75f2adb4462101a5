import GatewayCore
import NIOHTTP1

/// How a streamed body is delimited for the client. The gateway does not
/// hold such a body, so it cannot count it: it passes on the upstream's
/// declared length when there is one, and otherwise chunks (HTTP/1.1) or
/// ends the body by closing the connection (HTTP/1.0, which has no chunking).
enum StreamedBodyFraming: Equatable {
    /// `Content-Length` of the whole body, first bytes and stream together.
    case contentLength(Int)
    case chunked
    /// No length: the body ends when the connection closes.
    case closeDelimited

    init(contentLength: Int?, version: HTTPVersion) {
        if let contentLength {
            self = .contentLength(contentLength)
        } else if version.major == 1, version.minor == 0 {
            self = .closeDelimited
        } else {
            self = .chunked
        }
    }

    /// The last chunk of a chunked body (no trailers).
    static let lastChunk: [UInt8] = Array("0\r\n\r\n".utf8)
}

extension StreamedBodyFraming {
    /// The framing for a response's stream, or nil when there is none to
    /// write: no stream, or an answer to HEAD, which never has a body.
    init?(_ stream: UpstreamBodyStream?, head: HTTPRequestHead) {
        guard let stream, head.method != .HEAD else { return nil }
        self.init(contentLength: stream.contentLength, version: head.version)
    }
}
