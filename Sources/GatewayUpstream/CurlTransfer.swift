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

    /// Sets every option for this request. A failure here means nothing was
    /// sent, hence `.connect`.
    func configure() -> UpstreamFailure? {
        if let problem = RequestValidation.problem(in: request) {
            return UpstreamFailure(.connect, "\(problem); not sent to \(request.url)")
        }
        var code = easy.attachErrorBuffer()
        func apply(_ result: CURLcode) { if code == CURLE_OK { code = result } }

        apply(easy.set(CURLOPT_URL, string: request.url))
        // Only HTTP(S): a configured URL must never make us read file:// or talk SMTP.
        apply(easy.set(CURLOPT_PROTOCOLS_STR, string: "http,https"))
        // Upstreams are addressed directly; an ambient http_proxy variable must
        // not silently reroute them.
        apply(easy.set(CURLOPT_PROXY, string: ""))
        // libcurl would otherwise use signals for DNS timeouts, unsafe in a threaded process.
        apply(easy.set(CURLOPT_NOSIGNAL, 1))
        // libcurl treats 0 as "no timeout", so a zero duration must still time out.
        apply(easy.set(CURLOPT_TIMEOUT_MS, max(1, Int(request.timeout.milliseconds))))
        apply(easy.set(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeout.milliseconds))))
        apply(configureMethodAndBody())
        apply(configureHeaders())
        apply(configureCallbacks())
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

    private func configureMethodAndBody() -> CURLcode {
        switch request.method {
        case "GET" where request.body.isEmpty:
            return CURLE_OK
        case "HEAD":
            return easy.set(CURLOPT_NOBODY, 1)
        default:
            // POSTFIELDS with an explicit size handles binary bodies and an empty
            // one alike (an empty body still sends Content-Length: 0); the custom
            // method then replaces the POST verb on the request line.
            let body = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, request.body.count), alignment: 1)
            request.body.withUnsafeBytes { source in
                if let base = source.baseAddress { body.baseAddress!.copyMemory(from: base, byteCount: source.count) }
            }
            requestBody = body
            let size = easy.set(CURLOPT_POSTFIELDSIZE_LARGE, offset: Int64(request.body.count))
            guard size == CURLE_OK else { return size }
            let fields = easy.set(CURLOPT_POSTFIELDS, pointer: UnsafeRawPointer(body.baseAddress))
            guard fields == CURLE_OK else { return fields }
            return request.method == "POST" ? CURLE_OK : easy.set(CURLOPT_CUSTOMREQUEST, string: request.method)
        }
    }

    /// libcurl frames the body it is given; a stale copy of these from the
    /// client would contradict that framing and desynchronise the connection.
    private static let framingHeaders: Set<String> = ["content-length", "transfer-encoding"]

    /// The request's own headers, plus empty entries that switch off the ones
    /// libcurl would invent: the forwarded request must carry only what the
    /// client sent.
    private func configureHeaders() -> CURLcode {
        var list: UnsafeMutablePointer<curl_slist>?
        func append(_ line: String) {
            list = line.withCString { curl_slist_append(list, $0) } ?? list
        }
        for field in request.headers where !Self.framingHeaders.contains(where: { field.name.caseInsensitiveEquals($0) }) {
            // "Name:" would tell libcurl to remove the header; "Name;" sends it empty.
            append(field.value.isEmpty ? "\(field.name);" : "\(field.name): \(field.value)")
        }
        append("Expect:")
        if request.headers.first(named: "Accept") == nil { append("Accept:") }
        if usesBody, request.headers.first(named: "Content-Type") == nil { append("Content-Type:") }
        headerList = list
        return easy.set(CURLOPT_HTTPHEADER, pointer: UnsafeRawPointer(list))
    }

    private func configureCallbacks() -> CURLcode {
        let context = UnsafeRawPointer(Unmanaged.passUnretained(collector).toOpaque())
        let write = easy.set(CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            collector.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count).bindMemory(to: UInt8.self))
            return size * count
        }
        let header = easy.set(CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            collector.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count))
            return size * count
        }
        let prerequest = gw_easy_setopt_prereq(easy.raw) { context, _, _, _, _ in
            Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue().connectionReady()
            return CURL_PREREQFUNC_OK
        }
        let contexts = [CURLOPT_WRITEDATA, CURLOPT_HEADERDATA, CURLOPT_PREREQDATA].map { easy.set($0, pointer: context) }
        for code in [write, header, prerequest] + contexts where code != CURLE_OK {
            return code
        }
        return CURLE_OK
    }
}
