internal import CCurl
internal import GatewayCore

/// One request in flight: the easy handle configured for it, the memory libcurl
/// points into (header list, request body) and the response being collected.
/// Created, driven and finished on the curl thread only.
final class CurlTransfer {
    let job: CurlJob
    let easy: CurlEasyHandle
    /// When the caller's timeout ends; the loop's backstop for the one case
    /// libcurl does not time out (waiting for a connection, see CurlMultiLoop).
    let deadline: ContinuousClock.Instant
    /// Replaced when the transfer starts over on a fresh connection.
    private var collector: ResponseCollector
    /// An earlier attempt of this transfer went out: from then on no failure
    /// of it is "not sent".
    private var sentBefore = false
    /// CURLOPT_HTTPHEADER does not copy: libcurl reads this until the
    /// handle is detached, which happens before the transfer goes away.
    private var headerList: CurlHeaderList?
    /// CURLOPT_POSTFIELDS does not copy: libcurl reads this until the transfer
    /// ends, and again when a safe request starts over on a fresh connection.
    private var requestBody: UnsafeMutableRawBufferPointer?

    /// Feeds the stream of a handed-over response (the loop).
    private let producer: any UpstreamBodyProducer

    init(job: CurlJob, easy: CurlEasyHandle, producer: any UpstreamBodyProducer) {
        self.job = job
        self.easy = easy
        self.producer = producer
        self.deadline = .now + job.request.timeout
        self.collector = ResponseCollector(expectsBody: job.request.method != "HEAD", bufferLimit: job.request.bufferLimit,
                                           continuation: job.continuation, producer: producer, easy: easy)
    }

    /// The stream the response was handed over with, once the body outgrew
    /// the buffer limit; the caller has been resumed then, and the outcome
    /// goes to the stream.
    var stream: UpstreamBodyStream? { collector.stream }

    /// When the loop must give up on this transfer: the caller's deadline
    /// until the hand-off; then `timeout` after the last body byte, and never
    /// while paused for a slow consumer (its `send_timeout` is the client
    /// side's business, and it cancels the stream).
    var watchdogDeadline: ContinuousClock.Instant? {
        guard collector.stream != nil else { return deadline }
        return collector.paused ? nil : collector.lastBodyAt + request.timeout
    }

    /// The consumer dropped the stream without ending it (see the loop's scan).
    func streamIsAbandoned() -> Bool {
        collector.streamIsAbandoned()
    }

    /// Unpauses a transfer paused by backpressure. Curl thread only: libcurl
    /// may call the write callback from inside curl_easy_pause with the chunk
    /// it held, which may pause the transfer again; the flags are set first so
    /// that re-entrant call finds them consistent.
    func resume() {
        guard collector.paused else { return }
        collector.paused = false
        collector.lastBodyAt = .now
        _ = gw_easy_unpause(easy.raw)
    }

    /// Delivers a failure: to the caller, or after the hand-off to the stream.
    func fail(_ failure: UpstreamFailure) {
        if let stream = collector.stream {
            stream.fail(failure)
        } else {
            job.fail(failure)
        }
    }

    /// Delivers the outcome: to the caller, or after the hand-off to the
    /// stream (success is its clean end).
    func deliver(_ outcome: Result<UpstreamResponse, UpstreamFailure>) {
        guard let stream = collector.stream else {
            job.continuation.resume(returning: outcome)
            return
        }
        switch outcome {
        case .success: stream.finish()
        case .failure(let failure): stream.fail(failure)
        }
    }

    /// The failure for a streamed body the watchdog gave up on.
    func idleFailure() -> UpstreamFailure {
        UpstreamFailure(.timeout, "no body byte within the timeout while streaming (\(request.loggableURL))")
    }

    deinit {
        requestBody?.deallocate()
    }

    private var request: UpstreamRequest { job.request }

    /// Sets every option for this request that `CurlEasyHandle.prepare`
    /// does not, overwriting whatever the handle's previous transfer left.
    /// A failure here means nothing was sent, hence `.connect`.
    func configure() -> UpstreamFailure? {
        if let problem = RequestValidation.problem(in: request) {
            return UpstreamFailure(.connect, "\(problem); not sent to \(request.loggableURL)")
        }
        // Headers first: a field that fails its check stops the transfer
        // before any other option is set.
        var code: CURLcode
        switch configureHeaders() {
        case .success(let result): code = result
        case .failure(let refusal):
            return UpstreamFailure(.connect, "\(refusal.problem); not sent to \(request.loggableURL)")
        }
        func apply(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        apply(easy.set(CURLOPT_URL, string: request.url))
        // libcurl treats 0 as "no timeout", so a zero duration must still time out.
        apply(easy.set(CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout.milliseconds))))
        apply(easy.set(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeout.milliseconds))))
        apply(configureConnectionReuse(fresh: false))
        apply(configureMethodAndBody())
        apply(easy.setCallbackContext(UnsafeRawPointer(Unmanaged.passUnretained(collector).toOpaque())))
        guard code == CURLE_OK else {
            return UpstreamFailure(.connect, "cannot configure the transfer: \(String(cString: curl_easy_strerror(code))); not sent to \(request.loggableURL)")
        }
        return nil
    }

    /// True when libcurl's own re-send was refused and this request may go out
    /// once more, on a new connection: a GET, HEAD or OPTIONS without a key
    /// whose first attempt received nothing (libcurl only re-sends then), with
    /// time left.
    func mayStartOverOnFreshConnection(after code: CURLcode) -> Bool {
        code == CURLE_ABORTED_BY_CALLBACK && collector.resendRefused && request.mayResend && !sentBefore
            && deadline - .now > .milliseconds(10)
    }

    /// Prepares the handle to run the request again on a new connection,
    /// within what is left of the timeout; the loop adds it back. False if
    /// libcurl refused an option, in which case the failure stands.
    func startOverOnFreshConnection() -> Bool {
        sentBefore = true
        collector = ResponseCollector(expectsBody: request.method != "HEAD", bufferLimit: request.bufferLimit,
                                      continuation: job.continuation, producer: producer, easy: easy)
        let remaining = max(1, Int((deadline - .now).milliseconds))
        var code = easy.set(CURLOPT_TIMEOUT_MS, remaining)
        func apply(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        apply(easy.set(CURLOPT_CONNECTTIMEOUT_MS, min(remaining, max(1, Int(request.connectTimeout.milliseconds)))))
        apply(configureConnectionReuse(fresh: true))
        apply(easy.setCallbackContext(UnsafeRawPointer(Unmanaged.passUnretained(collector).toOpaque())))
        return code == CURLE_OK
    }

    /// Pooled connections idle for `idleTimeout` or longer are not reused.
    /// libcurl's CURLOPT_MAXAGE_CONN counts whole seconds and refuses a
    /// connection once its idle time, rounded down, exceeds the option (N
    /// reuses connections idle under N + 1 s; measured with N = 0, 1, 2), so
    /// N = seconds - 1 makes the bound `idleTimeout` itself, rounded down to
    /// whole seconds. Zero: always a new connection, closed afterwards.
    private func configureConnectionReuse(fresh: Bool) -> CURLcode {
        let seconds = Int(request.idleTimeout.components.seconds)
        let noReuse = seconds < 1
        var code = easy.set(CURLOPT_FRESH_CONNECT, fresh || noReuse ? 1 : 0)
        if code == CURLE_OK { code = easy.set(CURLOPT_FORBID_REUSE, noReuse ? 1 : 0) }
        if code == CURLE_OK { code = easy.set(CURLOPT_MAXAGE_CONN, max(0, seconds - 1)) }
        return code
    }

    /// Reads the outcome once libcurl reports the transfer done; must run before
    /// the handle is reset.
    func outcome(_ code: CURLcode) -> Result<UpstreamResponse, UpstreamFailure> {
        if code == CURLE_OK {
            return .success(collector.takeResponse(fallbackStatus: easy.infoLong(CURLINFO_RESPONSE_CODE)))
        }
        if collector.resendRefused {
            return .failure(CurlFailure.resendRefused(url: request.loggableURL))
        }
        if let malformation = collector.malformation {
            return .failure(CurlFailure.malformed(malformation, url: request.loggableURL))
        }
        return .failure(CurlFailure.classify(code, requestStarted: requestStarted, easy: easy, url: request.loggableURL))
    }

    /// The failure for a transfer cut short by shutdown.
    func abortedFailure() -> UpstreamFailure {
        CurlFailure.aborted(requestStarted: requestStarted, url: request.loggableURL)
    }

    /// The failure for a transfer the loop gave up on at its deadline.
    func overdueFailure() -> UpstreamFailure {
        CurlFailure.overdue(requestStarted: requestStarted, url: request.loggableURL)
    }

    private var requestStarted: Bool {
        sentBefore || collector.requestStarted
    }

    private var usesBody: Bool {
        !(request.method == "HEAD" || (request.method == "GET" && request.body.isEmpty))
    }

    /// HTTPGET first: it puts the handle back to a plain GET (no body, no
    /// HEAD), whatever the previous transfer on it was; then the method's own
    /// options. A custom method is always set, to nil for GET, HEAD and POST,
    /// so a PUT before never leaks into this request.
    private func configureMethodAndBody() -> CURLcode {
        var code = easy.set(CURLOPT_HTTPGET, 1)
        func apply(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        apply(easy.set(CURLOPT_CUSTOMREQUEST, pointer: nil))
        switch request.method {
        case "GET" where request.body.isEmpty:
            break
        case "HEAD":
            apply(easy.set(CURLOPT_NOBODY, 1))
        default:
            // POSTFIELDS with an explicit size handles binary bodies and an empty
            // one alike (an empty body still sends Content-Length: 0); the custom
            // method then replaces the POST verb on the request line.
            let body = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, request.body.count), alignment: 1)
            request.body.withUnsafeBytes { source in
                if let base = source.baseAddress { body.baseAddress!.copyMemory(from: base, byteCount: source.count) }
            }
            requestBody = body
            apply(easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(request.body.count)))
            apply(easy.set(CURLOPT_POSTFIELDS, pointer: UnsafeRawPointer(body.baseAddress)))
            if request.method != "POST" { apply(easy.set(CURLOPT_CUSTOMREQUEST, string: request.method)) }
        }
        return code
    }

    /// Why a header field was not sent (see `RequestValidation`).
    struct HeaderRefusal: Error {
        var problem: String
    }

    /// The request's own headers, plus empty entries that switch off the ones
    /// libcurl would invent: the forwarded request must carry only what the
    /// client sent. Each line is checked as it is copied into the list; the
    /// first field that fails its check refuses the request.
    private func configureHeaders() -> Result<CURLcode, HeaderRefusal> {
        var textBytes = 0
        for field in request.headers { textBytes += CurlHeaderList.textBytes(of: field) }
        // The three raw lines below, NULs included.
        var list = CurlHeaderList(lines: request.headers.count + 3, textBytes: textBytes + 8 + 8 + 14)
        var hasAccept = false
        var hasContentType = false
        for field in request.headers {
            switch field.name.utf8.count {
            // libcurl frames the body it is given; a stale copy of these from
            // the client would contradict that framing and desynchronise the
            // connection. Checked all the same, as every field is.
            case 14 where field.name.caseInsensitiveEquals("content-length"),
                 17 where field.name.caseInsensitiveEquals("transfer-encoding"):
                if let problem = RequestValidation.problem(in: field) { return .failure(HeaderRefusal(problem: problem)) }
                continue
            case 6 where field.name.caseInsensitiveEquals("accept"): hasAccept = true
            case 12 where field.name.caseInsensitiveEquals("content-type"): hasContentType = true
            default: break
            }
            if let problem = list.append(field) { return .failure(HeaderRefusal(problem: problem)) }
        }
        list.append(raw: "Expect:")
        if !hasAccept { list.append(raw: "Accept:") }
        if usesBody, !hasContentType { list.append(raw: "Content-Type:") }
        let head = list.head
        headerList = consume list
        return .success(easy.set(CURLOPT_HTTPHEADER, pointer: UnsafeRawPointer(head)))
    }
}
