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
    private let collector: ResponseCollector
    private var headerList: UnsafeMutablePointer<curl_slist>?
    /// CURLOPT_POSTFIELDS does not copy: libcurl reads this until the transfer
    /// ends, and again if it retries on a connection that turned out dead.
    private var requestBody: UnsafeMutableRawBufferPointer?

    init(job: CurlJob, easy: CurlEasyHandle) {
        self.job = job
        self.easy = easy
        self.deadline = .now + job.request.timeout
        self.collector = ResponseCollector(expectsBody: job.request.method != "HEAD")
    }

    deinit {
        curl_slist_free_all(headerList)
        requestBody?.deallocate()
    }

    private var request: UpstreamRequest { job.request }

    /// Sets every option for this request that `CurlEasyHandle.prepare`
    /// does not, overwriting whatever the handle's previous transfer left.
    /// A failure here means nothing was sent, hence `.connect`.
    func configure() -> UpstreamFailure? {
        if let problem = RequestValidation.problem(in: request) {
            return UpstreamFailure(.connect, "\(problem); not sent to \(request.url)")
        }
        var code = easy.set(CURLOPT_URL, string: request.url)
        func apply(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        // libcurl treats 0 as "no timeout", so a zero duration must still time out.
        apply(easy.set(CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout.milliseconds))))
        apply(easy.set(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeout.milliseconds))))
        apply(configureMethodAndBody())
        apply(configureHeaders())
        apply(easy.setCallbackContext(UnsafeRawPointer(Unmanaged.passUnretained(collector).toOpaque())))
        guard code == CURLE_OK else {
            return UpstreamFailure(.connect, "cannot configure the transfer: \(String(cString: curl_easy_strerror(code))); not sent to \(request.url)")
        }
        return nil
    }

    /// Reads the outcome once libcurl reports the transfer done; must run before
    /// the handle is reset.
    func outcome(_ code: CURLcode) -> Result<UpstreamResponse, UpstreamFailure> {
        if code == CURLE_OK {
            return .success(collector.takeResponse(fallbackStatus: easy.infoLong(CURLINFO_RESPONSE_CODE)))
        }
        return .failure(CurlFailure.classify(code, requestStarted: collector.requestStarted, easy: easy, url: request.url))
    }

    /// The failure for a transfer cut short by shutdown.
    func abortedFailure() -> UpstreamFailure {
        CurlFailure.aborted(requestStarted: collector.requestStarted, url: request.url)
    }

    /// The failure for a transfer the loop gave up on at its deadline.
    func overdueFailure() -> UpstreamFailure {
        CurlFailure.overdue(requestStarted: collector.requestStarted, url: request.url)
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

    /// The request's own headers, plus empty entries that switch off the ones
    /// libcurl would invent: the forwarded request must carry only what the
    /// client sent. Each line is assembled on the stack: libcurl copies it.
    private func configureHeaders() -> CURLcode {
        var list: UnsafeMutablePointer<curl_slist>?
        var hasAccept = false
        var hasContentType = false
        for field in request.headers {
            switch field.name.utf8.count {
            // libcurl frames the body it is given; a stale copy of these from
            // the client would contradict that framing and desynchronise the
            // connection.
            case 14 where field.name.caseInsensitiveEquals("content-length"): continue
            case 17 where field.name.caseInsensitiveEquals("transfer-encoding"): continue
            case 6 where field.name.caseInsensitiveEquals("accept"): hasAccept = true
            case 12 where field.name.caseInsensitiveEquals("content-type"): hasContentType = true
            default: break
            }
            list = CurlHeaderLine.append(field, to: list)
        }
        list = CurlHeaderLine.append(raw: "Expect:", to: list)
        if !hasAccept { list = CurlHeaderLine.append(raw: "Accept:", to: list) }
        if usesBody, !hasContentType { list = CurlHeaderLine.append(raw: "Content-Type:", to: list) }
        headerList = list
        return easy.set(CURLOPT_HTTPHEADER, pointer: UnsafeRawPointer(list))
    }
}
