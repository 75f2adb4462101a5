import Testing
@testable import GatewayCore

@Suite struct ForwardedRequestTests {
    private let upstream = UpstreamSettings(name: "payments", baseURL: "http://10.0.0.5:8080",
                                            timeout: .seconds(12), connectTimeout: .milliseconds(700))

    private func request(
        method: String = "POST", path: String = "/v1/charges", query: String? = nil,
        headers: [HeaderField] = [], body: String = "{}", client: String? = "192.0.2.7"
    ) -> GatewayRequest {
        GatewayRequest(method: method, path: path, query: query, headers: headers, body: Array(body.utf8), clientAddress: client)
    }

    @Test func urlIsBaseURLPathAndQuery() {
        #expect(ForwardedRequest.make(request(), upstream: upstream).url == "http://10.0.0.5:8080/v1/charges")
        #expect(ForwardedRequest.make(request(query: "a=1&b=%20"), upstream: upstream).url == "http://10.0.0.5:8080/v1/charges?a=1&b=%20")
    }

    @Test func emptyQueryKeepsTheQuestionMark() {
        #expect(ForwardedRequest.make(request(query: ""), upstream: upstream).url == "http://10.0.0.5:8080/v1/charges?")
    }

    @Test func baseURLPathIsKept() {
        let withPath = UpstreamSettings(name: "u", baseURL: "https://api.example.com/base/")
        #expect(withPath.baseURL == "https://api.example.com/base")
        #expect(ForwardedRequest.make(request(query: "x=1"), upstream: withPath).url == "https://api.example.com/base/v1/charges?x=1")
    }

    @Test func methodBodyAndTimeoutsAreCarried() {
        let made = ForwardedRequest.make(request(method: "PATCH", body: "payload"), upstream: upstream)
        #expect(made.method == "PATCH")
        #expect(made.body == Array("payload".utf8))
        #expect(made.timeout == .seconds(12))
        #expect(made.connectTimeout == .milliseconds(700))
    }

    @Test func xForwardedForIsAddedWithTheClientAddress() {
        let made = ForwardedRequest.make(request(), upstream: upstream)
        #expect(made.headers.values(named: "X-Forwarded-For") == ["192.0.2.7"])
    }

    @Test func xForwardedForIsAppendedToAnExistingList() {
        let made = ForwardedRequest.make(request(headers: [
            HeaderField(name: "x-forwarded-for", value: "203.0.113.1"),
            HeaderField(name: "X-Forwarded-For", value: "198.51.100.2, 198.51.100.3"),
        ]), upstream: upstream)
        #expect(made.headers.values(named: "X-Forwarded-For") == ["203.0.113.1, 198.51.100.2, 198.51.100.3, 192.0.2.7"])
    }

    @Test func unknownClientAddressIsMarked() {
        let made = ForwardedRequest.make(request(client: nil), upstream: upstream)
        #expect(made.headers.values(named: "X-Forwarded-For") == ["unknown"])
    }

    @Test func xForwardedProtoIsSet() {
        let made = ForwardedRequest.make(request(), upstream: upstream)
        #expect(made.headers.values(named: "X-Forwarded-Proto") == ["http"])
    }

    @Test func xForwardedHostComesFromHost() {
        let made = ForwardedRequest.make(request(headers: [HeaderField(name: "Host", value: "gateway.example:8443")]), upstream: upstream)
        #expect(made.headers.values(named: "X-Forwarded-Host") == ["gateway.example:8443"])
    }

    @Test func noHostMeansNoXForwardedHost() {
        let made = ForwardedRequest.make(request(), upstream: upstream)
        #expect(made.headers.values(named: "X-Forwarded-Host").isEmpty)
    }

    @Test func hostContentLengthAndExpectAreRemoved() {
        let made = ForwardedRequest.make(request(headers: [
            HeaderField(name: "Host", value: "gateway.example"),
            HeaderField(name: "Content-Length", value: "2"),
            HeaderField(name: "expect", value: "100-continue"),
            HeaderField(name: "Content-Type", value: "application/json"),
        ]), upstream: upstream)
        #expect(made.headers.values(named: "Host").isEmpty)
        #expect(made.headers.values(named: "Content-Length").isEmpty)
        #expect(made.headers.values(named: "Expect").isEmpty)
        #expect(made.headers.values(named: "Content-Type") == ["application/json"])
    }

    @Test func hopByHopHeadersAreRemoved() {
        let made = ForwardedRequest.make(request(headers: [
            HeaderField(name: "Connection", value: "keep-alive, X-Hop"),
            HeaderField(name: "Transfer-Encoding", value: "chunked"),
            HeaderField(name: "TE", value: "trailers"),
            HeaderField(name: "X-Hop", value: "1"),
            HeaderField(name: "Authorization", value: "Bearer t"),
        ]), upstream: upstream)
        let names = Set(made.headers.map { $0.name.asciiLowercased })
        #expect(names == ["authorization", "x-forwarded-for", "x-forwarded-proto"])
    }

    @Test func idempotencyKeyIsKept() {
        let made = ForwardedRequest.make(request(headers: [HeaderField(name: "Idempotency-Key", value: "\"k-1\"")]), upstream: upstream)
        #expect(made.headers.values(named: "Idempotency-Key") == ["\"k-1\""])
    }

    @Test func endToEndHeadersKeepTheirOrderAndDuplicates() {
        let made = ForwardedRequest.make(request(headers: [
            HeaderField(name: "X-A", value: "1"),
            HeaderField(name: "X-B", value: "2"),
            HeaderField(name: "X-A", value: "3"),
        ]), upstream: upstream)
        #expect(Array(made.headers.prefix(3)) == [
            HeaderField(name: "X-A", value: "1"),
            HeaderField(name: "X-B", value: "2"),
            HeaderField(name: "X-A", value: "3"),
        ])
    }

    @Test func responseHeadersLoseContentLengthAndHopByHopFields() {
        let headers = ForwardedRequest.responseHeaders([
            HeaderField(name: "Content-Length", value: "7"),
            HeaderField(name: "Transfer-Encoding", value: "chunked"),
            HeaderField(name: "Connection", value: "close, X-Internal"),
            HeaderField(name: "X-Internal", value: "node-3"),
            HeaderField(name: "Content-Type", value: "text/plain"),
            HeaderField(name: "Set-Cookie", value: "a=1"),
            HeaderField(name: "Set-Cookie", value: "b=2"),
        ])
        #expect(headers == [
            HeaderField(name: "Content-Type", value: "text/plain"),
            HeaderField(name: "Set-Cookie", value: "a=1"),
            HeaderField(name: "Set-Cookie", value: "b=2"),
        ])
    }

    @Test func targetSplitsAtTheFirstQuestionMark() {
        #expect(GatewayRequest.splitTarget("/a/b") == ("/a/b", nil))
        #expect(GatewayRequest.splitTarget("/a?") == ("/a", ""))
        #expect(GatewayRequest.splitTarget("/a?x=1?y") == ("/a", "x=1?y"))
    }

    @Test func inPlaceMatchingAgreesWithTheReplacedSet() {
        for name in ["Host", "HOST", "Content-Length", "content-length", "Expect", "Idempotency-Fence", "idempotency-FENCE",
                     "Hosts", "Expects", "Content-Lengths", "Idempotency-Key", "Accept", "X-Host", ""] {
            #expect(ForwardedRequest.isReplaced(name) == ForwardedRequest.replacedRequestHeaders.contains(name.asciiLowercased), "\(name)")
        }
    }
}
