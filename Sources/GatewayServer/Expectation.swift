import GatewayCore
import NIOHTTP1

/// What a request's `Expect` header asks of the gateway (RFC 9110 §10.1.1).
///
/// Clients that send `Expect: 100-continue` (libcurl-based clients for larger
/// bodies, .NET, Java) hold the body back until the server answers
/// `100 Continue`, and only send it anyway after a timeout of their own,
/// usually one second. The gateway needs the whole body before it can
/// fingerprint and claim the request, so it answers the 100 itself; not
/// answering would add that second to every such request.
enum Expectation: Equatable {
    /// No expectation, or one the gateway must ignore.
    case none
    /// `100-continue`: send the interim 100 before reading the body.
    case continueFirst
    /// An expectation the gateway cannot meet: answered 417.
    case unsupported

    init(_ head: HTTPRequestHead) {
        // HTTP/1.0 has no interim responses, so a server must ignore a
        // 100-continue expectation in an HTTP/1.0 request.
        guard head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1),
              head.headers.contains(name: "expect")
        else {
            self = .none
            return
        }
        var result = Expectation.none
        for value in head.headers["expect"] {
            for member in value.split(separator: ",") {
                let token = member.trimmingASCIIWhitespace()
                if token.isEmpty { continue }
                guard token.caseInsensitiveEquals("100-continue") else {
                    self = .unsupported
                    return
                }
                result = .continueFirst
            }
        }
        self = result
    }
}
