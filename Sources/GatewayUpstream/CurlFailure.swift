internal import CCurl
internal import GatewayCore

/// Maps a libcurl result to the failure kind the pipeline acts on. The kind is a
/// promise about the upstream: `.connect` claims the request never left, which
/// lets the gateway release the idempotency claim and retry elsewhere, so it is
/// used only when libcurl never started writing the request.
///
/// That evidence comes from the pre-request callback, not from the connect
/// time: libcurl reports a connect time of 0 for a reused connection, so a
/// timeout on a reused keep-alive connection would look like a connect timeout
/// although the request went out (see the reused-connection test).
enum CurlFailure {
    static func classify(_ code: CURLcode, requestStarted: Bool, easy: CurlEasyHandle, url: String) -> UpstreamFailure {
        let kind: UpstreamFailure.Kind
        if !requestStarted {
            // Refused, unresolvable, connect timeout, TLS handshake failure,
            // malformed URL: all end before the request is written.
            kind = .connect
        } else if code == CURLE_OPERATION_TIMEDOUT {
            kind = .timeout
        } else {
            // Reset, close before or during the response, a response libcurl
            // refuses (NUL, bad status line, oversized header): the request
            // may have been read and executed.
            kind = .protocolError
        }
        return UpstreamFailure(kind, message(code, easy: easy, url: url))
    }

    /// For a request whose reused connection closed before any response
    /// byte, and that libcurl was stopped from sending again: the upstream
    /// may have read and executed it.
    static func resendRefused(url: String) -> UpstreamFailure {
        UpstreamFailure(.protocolError, "connection closed before any response byte; not sent again, it may have executed (\(url))")
    }

    /// For a response refused for its framing or header syntax, after the
    /// request went out.
    static func malformed(_ problem: String, url: String) -> UpstreamFailure {
        UpstreamFailure(.protocolError, "malformed response: \(problem) (\(url))")
    }

    /// For a transfer that libcurl never finished because the transport shut
    /// down: once started it may have been executed, so it is not `.connect`.
    static func aborted(requestStarted: Bool, url: String) -> UpstreamFailure {
        UpstreamFailure(requestStarted ? .protocolError : .connect, "transport shut down during the transfer (\(url))")
    }

    /// For a transfer past its deadline that libcurl had not failed yet: in
    /// practice one still queued for a connection, so never sent.
    static func overdue(requestStarted: Bool, url: String) -> UpstreamFailure {
        requestStarted
            ? UpstreamFailure(.timeout, "no response within the timeout (\(url))")
            : UpstreamFailure(.connect, "no connection became free within the timeout; not sent (\(url))")
    }

    private static func message(_ code: CURLcode, easy: CurlEasyHandle, url: String) -> String {
        let summary = String(cString: curl_easy_strerror(code))
        let detail = easy.errorDetail
        return detail.isEmpty ? "\(summary) (\(url))" : "\(summary): \(detail) (\(url))"
    }
}
