internal import CCurl
internal import GatewayCore

/// Gathers what libcurl reports through its callbacks for one transfer: whether
/// the request started to go out, then the response's header lines one at a
/// time and its body chunks, handing a body larger than the request's
/// `bufferLimit` over as a stream. A class because the C callbacks reach it
/// through an opaque pointer and mutate it in place; it lives on the curl
/// thread only.
final class ResponseCollector {
    /// Largest body we pre-allocate for on the word of a Content-Length header,
    /// so a lying upstream cannot make us reserve gigabytes up front.
    private static let maximumReservation = 64 << 20
    /// How many header fields the collector makes room for up front.
    private static let typicalFieldCount = 12

    /// Set when libcurl is about to write the request on a connection, new or
    /// reused. Until then no byte of the request can have reached the upstream,
    /// which is the one fact that makes a failure safe to call `.connect`.
    private(set) var requestStarted = false
    /// Set when libcurl wanted to send the request again (a reused connection
    /// closed before any response byte) and was stopped: the first attempt may
    /// have executed, so no second one goes out on libcurl's initiative.
    private(set) var resendRefused = false
    /// Why the response was refused as malformed; the header callback then
    /// aborts the transfer, which also keeps libcurl from reusing the connection.
    private(set) var malformation: String?
    private var framing = ResponseFraming()
    private(set) var headers: [HeaderField] = []
    private(set) var body: [UInt8] = []
    /// The status of the last status line seen, i.e. of the final response.
    private(set) var status = 0
    /// Set by the blank line that ends a header block. Header lines after it are
    /// chunked trailers, which are not part of the stored response.
    private var headerBlockEnded = false
    private let expectsBody: Bool
    /// Past this many body bytes the response is handed over as a stream.
    private let bufferLimit: Int
    /// Whom to resume with the head at the hand-off (the continuation alone:
    /// copying the whole job would retain each of the request's strings on
    /// the fast path), and who feeds the stream.
    private let continuation: CheckedContinuation<Result<UpstreamResponse, UpstreamFailure>, Never>
    private let producer: any UpstreamBodyProducer
    private unowned let easy: CurlEasyHandle
    /// Set at the hand-off: from then on body chunks go here, and the loop
    /// ends the stream instead of resuming the caller.
    private(set) var stream: UpstreamBodyStream?
    /// The write callback returned CURL_WRITEFUNC_PAUSE and the loop has not
    /// unpaused the transfer yet; the idle watchdog does not run meanwhile.
    var paused = false
    /// When the last body byte was taken (or the transfer unpaused): the idle
    /// watchdog's reference once the body streams.
    var lastBodyAt = ContinuousClock.Instant.now

    init(expectsBody: Bool, bufferLimit: Int, continuation: CheckedContinuation<Result<UpstreamResponse, UpstreamFailure>, Never>,
         producer: any UpstreamBodyProducer, easy: CurlEasyHandle) {
        self.expectsBody = expectsBody
        self.bufferLimit = bufferLimit
        self.continuation = continuation
        self.producer = producer
        self.easy = easy
    }

    /// libcurl's pre-request callback: the connection is ready (TCP, and TLS if
    /// any) and the request goes out next. libcurl 7.88 calls it again before
    /// each re-send it decides on by itself (Curl_retry_request: up to five
    /// more, each on another pooled connection, the POST body rewound), and
    /// nothing else stops those. False refuses: the transfer then ends with
    /// CURLE_ABORTED_BY_CALLBACK and nothing more is written.
    func connectionReady() -> Bool {
        guard !requestStarted else {
            resendRefused = true
            return false
        }
        requestStarted = true
        return true
    }

    /// One header line, CRLF included, exactly as libcurl passes it; false
    /// when the response is malformed and the transfer must stop. Works on
    /// byte offsets: this runs for every header of every response.
    func receiveHeaderLine(_ raw: UnsafeRawBufferPointer) -> Bool {
        var end = raw.count
        // One line ending: LF or CRLF. A CR before that is inside the line.
        if end > 0, raw[end - 1] == UInt8(ascii: "\n") { end -= 1 }
        if end > 0, raw[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        if end == 0 {
            headerBlockEnded = true
            return true
        }
        if end >= 5, raw[0] == UInt8(ascii: "H"), raw[1] == UInt8(ascii: "T"), raw[2] == UInt8(ascii: "T"),
           raw[3] == UInt8(ascii: "P"), raw[4] == UInt8(ascii: "/") {
            startResponse(statusLine: UnsafeRawBufferPointer(rebasing: raw[0..<end]))
            return true
        }
        if headerBlockEnded { return true }
        let line = UnsafeRawBufferPointer(rebasing: raw[0..<end])
        switch framing.inspect(line) {
        case .malformed(let problem):
            malformation = problem
            return false
        case .continuation:
            continueLastHeader(line)
            return true
        case .field(let colon, let length):
            let name = String(decoding: UnsafeRawBufferPointer(rebasing: line[0..<colon]), as: UTF8.self)
            let value = String(decoding: Self.trimmed(UnsafeRawBufferPointer(rebasing: line[(colon + 1)...])), as: UTF8.self)
            headers.append(HeaderField(name: name, value: value))
            if let length, expectsBody, body.isEmpty {
                body.reserveCapacity(min(length, Self.maximumReservation, bufferLimit))
            }
            return true
        }
    }

    /// One chunk of the (transfer-decoded) body; returns what the write
    /// callback must return. Within `bufferLimit` the chunk is appended
    /// (typed as UInt8 so the append is a single memcpy) and nothing else
    /// happens: no stream, no clock read. The chunk that would pass the limit
    /// hands the response over and goes to the stream.
    func receiveBody(_ chunk: UnsafeBufferPointer<UInt8>) -> Int {
        if stream == nil {
            if chunk.count <= bufferLimit - body.count {
                body.append(contentsOf: chunk)
                return chunk.count
            }
            handOff()
        }
        switch stream!.offer(chunk) {
        case .accepted:
            lastBodyAt = .now
            return chunk.count
        case .pause:
            // libcurl keeps this chunk and stops reading the socket; it offers
            // the chunk again from inside curl_easy_pause(CONT).
            paused = true
            return gw_writefunc_pause()
        case .cancelled:
            // Any other count aborts the transfer (CURLE_WRITE_ERROR).
            return 0
        }
    }

    /// True when the stream exists and nobody but this collector holds it:
    /// its consumer dropped it without reading to the end or cancelling.
    /// Safe on the curl thread: when the reference is unique, no other thread
    /// has one to retain.
    func streamIsAbandoned() -> Bool {
        isKnownUniquelyReferenced(&stream)
    }

    /// Resumes the caller with the head and the body so far, and switches to
    /// streaming. libcurl's total timeout (CURLOPT_TIMEOUT) is switched off
    /// here: it would count the time the client spends not reading, and cut
    /// a large download at a fixed age. The loop's idle watchdog replaces it
    /// (no byte for `timeout` while not paused), like nginx's
    /// proxy_read_timeout. libcurl reads the option on every check, so the
    /// change applies to the running transfer.
    private func handOff() {
        // libcurl has the length once the head is parsed; -1 when none.
        let declared = easy.infoOffset(CURLINFO_CONTENT_LENGTH_DOWNLOAD_T)
        let stream = UpstreamBodyStream(producer: producer, contentLength: declared >= 0 ? Int(declared) : nil)
        self.stream = stream
        lastBodyAt = .now
        _ = easy.set(CURLOPT_TIMEOUT_MS, 0)
        let response = UpstreamResponse(status: status > 0 ? status : easy.infoLong(CURLINFO_RESPONSE_CODE),
                                        headers: headers, body: body, bodyStream: stream)
        headers = []
        body = []
        continuation.resume(returning: .success(response))
    }

    /// Moves the collected response out; the collector is spent afterwards.
    /// libcurl's own response code stands in if the status line was unreadable.
    func takeResponse(fallbackStatus: Int) -> UpstreamResponse {
        let response = UpstreamResponse(status: status > 0 ? status : fallbackStatus, headers: headers, body: body)
        headers = []
        body = []
        return response
    }

    /// A new status line starts a new response: after `100 Continue` (or any
    /// other 1xx) the final response's headers replace the interim ones. The
    /// status is the three digits after the first space.
    private func startResponse(statusLine: UnsafeRawBufferPointer) {
        headers.removeAll(keepingCapacity: true)
        // Room for a typical header block at once, instead of growing 1, 2, 4, 8.
        if headers.capacity < Self.typicalFieldCount { headers.reserveCapacity(Self.typicalFieldCount) }
        headerBlockEnded = false
        framing = ResponseFraming()
        status = 0
        guard let space = statusLine.firstIndex(of: UInt8(ascii: " ")), space + 4 <= statusLine.count else { return }
        var code = 0
        for index in (space + 1)..<(space + 4) {
            let digit = statusLine[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { return }
            code = code * 10 + Int(digit)
        }
        if space + 4 == statusLine.count || statusLine[space + 4] == UInt8(ascii: " ") { status = code }
    }

    /// Obsolete line folding (RFC 9112 §5.2): the continuation joins the previous
    /// value with a single space, which is what a recipient is told to do.
    private func continueLastHeader(_ line: UnsafeRawBufferPointer) {
        guard !headers.isEmpty else { return }
        let extra = String(decoding: Self.trimmed(line), as: UTF8.self)
        headers[headers.count - 1].value += headers[headers.count - 1].value.isEmpty ? extra : " " + extra
    }

    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0
        var end = bytes.count
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }
}
