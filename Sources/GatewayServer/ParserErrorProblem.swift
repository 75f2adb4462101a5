import GatewayCore
import NIOHTTP1

/// The 400 for a request the HTTP parser refused: Content-Length together
/// with Transfer-Encoding, a duplicate Content-Length, a malformed line.
/// Such a request is a smuggling attempt or a broken client: nothing of it is
/// forwarded, and the connection is closed after this answer because its
/// framing can no longer be trusted. NIO's `HTTPServerProtocolErrorHandler`
/// does the same with an empty body; this one says what was wrong.
enum ParserErrorProblem {
    static func problem(for error: HTTPParserError, maxHeaderBytes: Int) -> Problem {
        // The decoder's limits are max_header_bytes (GatewayServer.configure).
        if error == .headerOverflow { return ClientProblems.headerTooLarge(limit: maxHeaderBytes) }
        return Problems.badRequest("the request could not be parsed as HTTP/1.1 (\(describe(error))); the connection is closed")
    }

    private static func describe(_ error: HTTPParserError) -> String {
        switch error {
        case .unexpectedContentLength: return "Content-Length repeated, or together with Transfer-Encoding"
        case .invalidContentLength: return "invalid or duplicate Content-Length"
        case .invalidHeaderToken: return "invalid header"
        default: return "malformed request"
        }
    }
}
