import GatewayCore
import Testing

/// What ForwardedRequest guarantees for issue 14: which requests the transport
/// may send twice, the path never climbing above the base path, the headers
/// only the gateway writes, and a `Connection` token that cannot remove the
/// key or the gateway's own headers.
@Suite struct ForwardedRequestSafetyTests {
    private let upstream = UpstreamSettings(name: "tenant", baseURL: "http://10.0.0.5:8080/tenantA/api")

    private func request(_ method: String = "GET", path: String = "/v1/x", query: String? = nil,
                         headers: [HeaderField] = []) -> GatewayRequest {
        GatewayRequest(method: method, path: path, query: query, headers: headers, body: [], clientAddress: "192.0.2.7")
    }

    @Test(arguments: [("GET", true), ("HEAD", true), ("OPTIONS", true), ("POST", false), ("PUT", false),
                      ("PATCH", false), ("DELETE", false), ("CONNECT", false), ("PURGE", false)])
    func onlySafeMethodsWithoutAKeyMayBeResent(method: String, resendable: Bool) {
        #expect(ForwardedRequest.make(request(method), upstream: upstream).mayResend == resendable)
        #expect(ForwardedRequest.make(request(method), upstream: upstream, keyHeader: "Idempotency-Key").mayResend == resendable)
        // A claim, or a key header present on the route's header, rules it out.
        #expect(ForwardedRequest.make(request(method), upstream: upstream, keyed: true).mayResend == false)
        let keyed = request(method, headers: [HeaderField(name: "idempotency-key", value: "k")])
        #expect(ForwardedRequest.make(keyed, upstream: upstream, keyHeader: "Idempotency-Key").mayResend == false)
    }

    @Test func aDirectlyBuiltRequestIsNotResent() {
        let made = UpstreamRequest(url: "http://h/x", method: "GET", headers: [], body: [], timeout: .seconds(1), connectTimeout: .seconds(1))
        #expect(made.mayResend == false)
    }

    @Test(arguments: [
        ("/v1/x", "/v1/x"),
        ("/a/./b/../c", "/a/c"),
        ("/a/../../../admin/secret", "/admin/secret"),
        ("/..", "/"),
        ("/a/b/.", "/a/b/"),
        ("/a/%2e%2E/b", "/b"),
        ("/a/.%2e/../b", "/b"),
        ("/a/...", "/a/..."),
        ("/file.json", "/file.json"),
        ("/a//b", "/a//b"),
    ])
    func pathNeverClimbsAboveTheBasePath(path: String, sent: String) {
        let made = ForwardedRequest.make(request(path: path, query: "t=1"), upstream: upstream)
        #expect(made.url == "http://10.0.0.5:8080/tenantA/api" + sent + "?t=1")
    }

    @Test func gatewayOwnedHeadersNeverComeFromTheUpstream() {
        let headers = ForwardedRequest.responseHeaders([
            HeaderField(name: "Idempotent-Replayed", value: "false"),
            HeaderField(name: "idempotency-fence", value: "9"),
            HeaderField(name: "Content-Length", value: "2"),
            HeaderField(name: "X-Kept", value: "1"),
        ])
        #expect(headers == [HeaderField(name: "X-Kept", value: "1")])
    }

    @Test func gatewayOwnedHeadersNeverComeFromTheClient() {
        let made = ForwardedRequest.make(request("POST", headers: [
            HeaderField(name: "Idempotent-Replayed", value: "true"),
            HeaderField(name: "Idempotency-Fence", value: "99"),
        ]), upstream: upstream)
        #expect(made.headers.first(named: "Idempotent-Replayed") == nil)
        #expect(made.headers.first(named: "Idempotency-Fence") == nil)
    }

    @Test func connectionTokensCannotStripTheKeyOrTheGatewaysHeaders() {
        let made = ForwardedRequest.make(request("POST", headers: [
            HeaderField(name: "Connection", value: "Idempotency-Key, X-Forwarded-For, x-forwarded-proto, X-Forwarded-Host, X-Request-Id, X-Other"),
            HeaderField(name: "Idempotency-Key", value: "k-1"),
            HeaderField(name: "X-Forwarded-For", value: "198.51.100.1"),
            HeaderField(name: "X-Request-Id", value: "r-1"),
            HeaderField(name: "X-Other", value: "gone"),
            HeaderField(name: "Host", value: "gw.example"),
        ]), upstream: upstream, keyHeader: "Idempotency-Key", keyed: true)
        #expect(made.headers.first(named: "Idempotency-Key") == "k-1")
        #expect(made.headers.first(named: "X-Forwarded-For") == "198.51.100.1, 192.0.2.7")
        #expect(made.headers.first(named: "X-Forwarded-Proto") == "http")
        #expect(made.headers.first(named: "X-Forwarded-Host") == "gw.example")
        #expect(made.headers.first(named: "X-Request-Id") == "r-1")
        #expect(made.headers.first(named: "X-Other") == nil)
        #expect(made.headers.first(named: "Connection") == nil)
    }

    /// A route with its own key header protects that one.
    @Test func aCustomKeyHeaderIsProtectedToo() {
        let made = ForwardedRequest.make(request("POST", headers: [
            HeaderField(name: "Connection", value: "X-Request-Key"),
            HeaderField(name: "X-Request-Key", value: "k-2"),
        ]), upstream: upstream, keyHeader: "X-Request-Key")
        #expect(made.headers.first(named: "X-Request-Key") == "k-2")
    }

    @Test(arguments: [
        ("http://10.0.0.5:8080/v1/charges?token=secret", "http://10.0.0.5:8080/v1/charges"),
        ("https://user:pw@api.example.com/base/x?a=1#f", "https://api.example.com/base/x"),
        ("http://h/x#frag", "http://h/x"),
        ("http://h", "http://h"),
        ("http://h/a@b?c", "http://h/a@b"),
    ])
    func loggableURLDropsQueryAndUserInfo(url: String, logged: String) {
        let made = UpstreamRequest(url: url, method: "GET", headers: [], body: [], timeout: .seconds(1), connectTimeout: .seconds(1))
        #expect(made.loggableURL == logged)
    }
}
