import GatewayCore
import NIOHTTP1

/// What a request head must satisfy before its body is read: one `Host`
/// (RFC 9112 §3.2: none on HTTP/1.1, or more than one, is a 400) and a target
/// that reads one way only (`RequestTarget`). A refused head is answered 400
/// and the connection closed: a client that sends one may not frame the
/// next request the way the gateway reads it either.
enum RequestHeadCheck {
    enum Outcome {
        case accepted(RequestTarget)
        case refused(Problem)
    }

    static func check(_ head: HTTPRequestHead) -> Outcome {
        let target: RequestTarget
        do {
            target = try RequestTarget.parse(head.uri)
        } catch {
            return .refused(Problems.badRequest("\(error.explanation); the connection is closed"))
        }
        var hosts = 0
        for (name, _) in head.headers where name.utf8.count == 4 && name.caseInsensitiveEquals("host") {
            hosts += 1
        }
        if hosts > 1 {
            return .refused(Problems.badRequest("the request carries more than one Host header; the connection is closed"))
        }
        // An absolute-form target's authority stands in for Host (RFC 9112
        // §3.2.2); HTTP/1.0 had no Host requirement.
        let http11 = head.version.major > 1 || (head.version.major == 1 && head.version.minor >= 1)
        if hosts == 0, http11, target.authority == nil {
            return .refused(Problems.badRequest("an HTTP/1.1 request must carry a Host header; the connection is closed"))
        }
        return .accepted(target)
    }
}
