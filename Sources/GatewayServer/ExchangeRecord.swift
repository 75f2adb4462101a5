import NIOCore

/// What the access log line and the request metrics need to know about one
/// answered request, besides the pipeline's result.
struct ExchangeRecord {
    var requestID: String
    var routeName: String
    var method: String
    /// When the request's head arrived.
    var started: NIODeadline
}
