internal import CCurl

/// `curl_global_init` must run once per process before any other libcurl call,
/// and older libcurl builds do not make it thread-safe. A global `let` is
/// initialised lazily under `swift_once`, which gives exactly that guarantee
/// without a lock of our own.
enum CurlGlobal {
    private static let initResult: UInt32 = gw_global_init_default().rawValue

    /// Runs `curl_global_init` on first use; later calls are free.
    static func ensureInitialized() {
        precondition(initResult == CURLE_OK.rawValue, "curl_global_init failed with code \(initResult)")
    }
}
