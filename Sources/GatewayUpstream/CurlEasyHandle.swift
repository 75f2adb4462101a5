internal import CCurl

/// Owns one libcurl easy handle and its error buffer. Handles are pooled by the
/// loop and reset between transfers, which keeps their allocations warm.
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

    /// Forgets every option of the previous transfer; connections live in the
    /// multi handle's cache, so they survive this.
    func reset() {
        curl_easy_reset(raw)
        errorBuffer[0] = 0
    }

    /// Points libcurl at our error buffer again; `reset` clears that option too.
    func attachErrorBuffer() -> CURLcode {
        set(CURLOPT_ERRORBUFFER, pointer: UnsafeRawPointer(errorBuffer))
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
