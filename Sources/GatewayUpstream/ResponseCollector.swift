internal import GatewayCore

/// Gathers what libcurl reports through its callbacks for one transfer: whether
/// the request started to go out, then the response's header lines one at a
/// time and its body chunks. A class because the C callbacks reach it through an
/// opaque pointer and mutate it in place; it lives on the curl thread only.
final class ResponseCollector {
    /// Largest body we pre-allocate for on the word of a Content-Length header,
    /// so a lying upstream cannot make us reserve gigabytes up front.
    private static let maximumReservation = 64 << 20

    /// Set when libcurl is about to write the request on a connection, new or
    /// reused. Until then no byte of the request can have reached the upstream,
    /// which is the one fact that makes a failure safe to call `.connect`.
    private(set) var requestStarted = false
    private(set) var headers: [HeaderField] = []
    private(set) var body: [UInt8] = []
    /// The status of the last status line seen, i.e. of the final response.
    private(set) var status = 0
    /// Set by the blank line that ends a header block. Header lines after it are
    /// chunked trailers, which are not part of the stored response.
    private var headerBlockEnded = false
    private let expectsBody: Bool

    init(expectsBody: Bool) {
        self.expectsBody = expectsBody
    }

    /// libcurl's pre-request callback: the connection is ready (TCP, and TLS if
    /// any) and the request goes out next.
    func connectionReady() {
        requestStarted = true
    }

    /// One header line, CRLF included, exactly as libcurl passes it.
    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) {
        var line = raw[...]
        while let last = line.last, last == UInt8(ascii: "\n") || last == UInt8(ascii: "\r") {
            line = line.dropLast()
        }
        if line.isEmpty {
            headerBlockEnded = true
            return
        }
        if line.starts(with: Self.httpPrefix) {
            startResponse(statusLine: line)
            return
        }
        if headerBlockEnded { return }
        if let first = line.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            continueLastHeader(line)
            return
        }
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self)
        let value = String(decoding: Self.trimmed(line[(colon + 1)...]), as: UTF8.self)
        headers.append(HeaderField(name: name, value: value))
        if expectsBody, body.isEmpty, name.caseInsensitiveEquals("content-length"), let length = Int(value) {
            body.reserveCapacity(min(length, Self.maximumReservation))
        }
    }

    /// One chunk of the (transfer-decoded) body. Typed as UInt8 so the append
    /// is a single memcpy rather than a byte-by-byte copy.
    func receiveBody(_ chunk: UnsafeBufferPointer<UInt8>) {
        body.append(contentsOf: chunk)
    }

    /// Moves the collected response out; the collector is spent afterwards.
    /// libcurl's own response code stands in if the status line was unreadable.
    func takeResponse(fallbackStatus: Int) -> UpstreamResponse {
        let response = UpstreamResponse(status: status > 0 ? status : fallbackStatus, headers: headers, body: body)
        headers = []
        body = []
        return response
    }

    private static let httpPrefix: [UInt8] = Array("HTTP/".utf8)

    /// A new status line starts a new response: after `100 Continue` (or any
    /// other 1xx) the final response's headers replace the interim ones.
    private func startResponse(statusLine: Slice<UnsafeRawBufferPointer>) {
        headers.removeAll(keepingCapacity: true)
        headerBlockEnded = false
        let fields = statusLine.split(separator: UInt8(ascii: " "), maxSplits: 2)
        status = fields.count >= 2 ? Int(String(decoding: fields[1], as: UTF8.self)) ?? 0 : 0
    }

    /// Obsolete line folding (RFC 9112 §5.2): the continuation joins the previous
    /// value with a single space, which is what a recipient is told to do.
    private func continueLastHeader(_ line: Slice<UnsafeRawBufferPointer>) {
        guard !headers.isEmpty else { return }
        let extra = String(decoding: Self.trimmed(line), as: UTF8.self)
        headers[headers.count - 1].value += headers[headers.count - 1].value.isEmpty ? extra : " " + extra
    }

    private static func trimmed(_ bytes: Slice<UnsafeRawBufferPointer>) -> Slice<UnsafeRawBufferPointer> {
        var bytes = bytes
        while let first = bytes.first, first == UInt8(ascii: " ") || first == UInt8(ascii: "\t") {
            bytes = bytes.dropFirst()
        }
        while let last = bytes.last, last == UInt8(ascii: " ") || last == UInt8(ascii: "\t") {
            bytes = bytes.dropLast()
        }
        return bytes
    }
}
