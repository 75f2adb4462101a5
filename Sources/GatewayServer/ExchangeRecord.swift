import GatewayCore
import NIOCore
import NIOHTTP1

/// What the access log line and the request metrics need to know about one
/// answered request, besides the pipeline's result. Only what the handler
/// already has at hand: the strings of the line are built in
/// `ExchangeReporter.record`, and only when the line is written.
struct ExchangeRecord {
    var requestID: String
    var routeName: String
    var method: String
    /// The path without the query: a query may carry tokens.
    var path: String
    var clientAddress: String?
    /// The request's fields, for the user agent: the only header value the
    /// line carries (cut to `userAgentLimit`), looked up only when it is written.
    var headers: HTTPHeaders
    /// The matched route's upstream; nil when no route matched.
    var upstreamName: String?
    /// Request body bytes read; zero for a request refused before its body.
    var bytesIn: Int
    var trace: TraceContext
    /// When the request's head arrived.
    var started: NIODeadline

    /// A user agent longer than this is cut: the line stays a line.
    static let userAgentLimit = 256

    var userAgent: String? {
        guard let agent = headers.first(name: "user-agent") else { return nil }
        return agent.utf8.count > Self.userAgentLimit ? String(agent.prefix(Self.userAgentLimit)) : agent
    }

    init(requestID: String, routeName: String, head: HTTPRequestHead, path: String, clientAddress: String?, upstreamName: String?,
         bytesIn: Int, trace: TraceContext, started: NIODeadline) {
        self.requestID = requestID
        self.routeName = routeName
        self.method = head.method.rawValue
        self.path = path
        self.clientAddress = clientAddress
        self.headers = head.headers
        self.upstreamName = upstreamName
        self.bytesIn = bytesIn
        self.trace = trace
        self.started = started
    }
}

extension ExchangeRecord {
    /// Response body bytes for the log line: what was written, the declared
    /// length of a streamed body, nil for a streamed body of unknown length.
    static func bodyBytes(_ response: GatewayResponse, streamed: StreamedBodyFraming?, written: Bool, head: Bool) -> Int? {
        guard written, !head else { return 0 }
        switch streamed {
        case nil: return response.body.count
        case .contentLength(let length): return length
        case .chunked, .closeDelimited: return nil
        }
    }
}
