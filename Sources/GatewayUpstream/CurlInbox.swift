/// What callers hand to the curl thread, guarded by the loop's mutex. Callers
/// only append (jobs, signals); the curl thread takes the whole batch on each turn, so the lock
/// is held for an append or a swap, never across a libcurl call that can block.
struct CurlInbox {
    var jobs: [CurlJob] = []
    /// Resume and cancel requests from stream consumers, for the curl thread:
    /// only it may call `curl_easy_pause` or remove a handle.
    var signals: [CurlStreamSignal] = []
    /// Once set, no job is accepted and nobody calls `curl_multi_wakeup` again,
    /// which is what lets the curl thread free the multi handle safely.
    var stopping = false
    /// True while the curl thread waits in `curl_multi_poll` with nothing
    /// queued. Only a submit that finds it set calls `curl_multi_wakeup`
    /// (and clears it): under load the thread is mostly awake, and a wakeup
    /// per request was a `send(2)` on libcurl's socket pair each time.
    var threadIsPolling = false
}
