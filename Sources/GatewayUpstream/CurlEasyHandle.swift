internal import CCurl

/// Owns one libcurl easy handle and its error buffer. Handles are pooled by the
/// loop and reused, which keeps their allocations warm.
///
/// Options that never change (callbacks, protocols, no proxy, no signals,
/// the error buffer) are set once, in `prepare`; each transfer sets the rest
/// and overwrites every option a previous one may have set. That replaces a
/// `curl_easy_reset` per request, which freed and rebuilt all of them.
/// Touched on the curl thread only.
final class CurlEasyHandle {
    let raw: UnsafeMutableRawPointer
    /// libcurl writes a detailed message here on failure ("Failed to connect to
    /// 127.0.0.1 port 1: Connection refused"), richer than `curl_easy_strerror`.
    private let errorBuffer: UnsafeMutablePointer<CChar>

    init() {
        CurlGlobal.ensureInitialized()
        guard let raw = curl_easy_init() else {
            fatalError("curl_easy_init returned NULL: out of memory")
        }
        self.raw = raw
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
    }

    deinit {
        curl_easy_cleanup(raw)
        errorBuffer.deallocate()
    }

    /// Sets the options every transfer shares; CURLE_OK or the first failure,
    /// in which case the handle must not be used.
    func prepare() -> CURLcode {
        var code = set(CURLOPT_ERRORBUFFER, pointer: UnsafeRawPointer(errorBuffer))
        func apply(_ result: CURLcode) { if code == CURLE_OK { code = result } }
        // Only HTTP(S): a configured URL must never make us read file:// or talk SMTP.
        apply(set(CURLOPT_PROTOCOLS_STR, string: "http,https"))
        // Upstreams are addressed directly; an ambient http_proxy variable must
        // not silently reroute them.
        apply(set(CURLOPT_PROXY, string: ""))
        // libcurl would otherwise use signals for DNS timeouts, unsafe in a threaded process.
        apply(set(CURLOPT_NOSIGNAL, 1))
        apply(set(CURLOPT_WRITEFUNCTION) { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            // size * count (taken), CURL_WRITEFUNC_PAUSE (backpressure) or 0
            // (abort: the consumer cancelled).
            return collector.receiveBody(UnsafeRawBufferPointer(start: data, count: size * count).bindMemory(to: UInt8.self))
        })
        apply(set(CURLOPT_HEADERFUNCTION) { data, size, count, context in
            let collector = Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue()
            // Any other count than the line's aborts the transfer (CURLE_WRITE_ERROR)
            // and makes libcurl close the connection rather than pool it.
            return collector.receiveHeaderLine(UnsafeRawBufferPointer(start: data, count: size * count)) ? size * count : 0
        })
        apply(gw_easy_setopt_prereq(raw) { context, _, _, _, _ in
            Unmanaged<ResponseCollector>.fromOpaque(context!).takeUnretainedValue().connectionReady()
                ? CURL_PREREQFUNC_OK : CURL_PREREQFUNC_ABORT
        })
        // The path goes out byte for byte: libcurl would otherwise resolve `.`
        // and `..` segments, sending a path other than the one that was routed
        // (`/v1/charges/../orders` as `/v1/orders`), or one above the base path.
        apply(set(CURLOPT_PATH_AS_IS, 1))
        return code
    }

    /// Called when a transfer is done with the handle: drops the pointers
    /// into memory that transfer owned (header list, body, collector), so an
    /// idle handle never points at freed memory.
    func detach() {
        _ = set(CURLOPT_HTTPHEADER, pointer: nil)
        _ = set(CURLOPT_POSTFIELDS, pointer: nil)
        _ = setCallbackContext(nil)
        errorBuffer[0] = 0
    }

    /// What the write, header and pre-request callbacks get as their context:
    /// the transfer's `ResponseCollector`, or nil between transfers.
    func setCallbackContext(_ context: UnsafeRawPointer?) -> CURLcode {
        var code = set(CURLOPT_WRITEDATA, pointer: context)
        if code == CURLE_OK { code = set(CURLOPT_HEADERDATA, pointer: context) }
        if code == CURLE_OK { code = set(CURLOPT_PREREQDATA, pointer: context) }
        return code
    }

    var errorDetail: String {
        String(cString: errorBuffer)
    }

    func set(_ option: CURLoption, _ value: Int) -> CURLcode {
        gw_easy_setopt_long(raw, option, value)
    }

    func set(_ option: CURLoption, offset: Int64) -> CURLcode {
        gw_easy_setopt_off(raw, option, curl_off_t(offset))
    }

    /// For string options; libcurl copies every string option it is given, so
    /// the pointer need not outlive the call.
    func set(_ option: CURLoption, string: String) -> CURLcode {
        string.withCString { gw_easy_setopt_ptr(raw, option, $0) }
    }

    /// For pointers libcurl keeps (bodies, lists, callback contexts): the caller
    /// keeps the pointee alive until the transfer is done.
    func set(_ option: CURLoption, pointer: UnsafeRawPointer?) -> CURLcode {
        gw_easy_setopt_ptr(raw, option, pointer)
    }

    func set(_ option: CURLoption, callback: @convention(c) (UnsafeMutablePointer<CChar>?, Int, Int, UnsafeMutableRawPointer?) -> Int) -> CURLcode {
        gw_easy_setopt_write(raw, option, callback)
    }

    func infoLong(_ info: CURLINFO) -> Int {
        var value = 0
        return gw_easy_getinfo_long(raw, info, &value) == CURLE_OK ? value : 0
    }

    func infoOffset(_ info: CURLINFO) -> Int64 {
        var value: curl_off_t = 0
        return gw_easy_getinfo_off(raw, info, &value) == CURLE_OK ? Int64(value) : 0
    }
}
