import ExampleUpstream
import GatewayCore
import GatewayUpstream
import Logging
import Testing

/// The transport checks each header field as it builds libcurl's header
/// list, not in a pass of its own: a forged field still stops the request
/// before a byte is sent, whichever field it is (Content-Length included,
/// which is never sent), and leaves nothing behind on the reused handle.
/// The URL's two checks share one pass and keep their order.
@Suite struct CurlTransportRequestCheckTests {
    private static let logger = Logger(label: "curl-header-check-tests")

    private func request(_ port: Int, _ method: String = "POST", path: String = "/orders", headers: [HeaderField]) -> UpstreamRequest {
        UpstreamRequest(url: "http://127.0.0.1:\(port)\(path)", method: method, headers: headers, body: Array("{}".utf8),
                        timeout: .seconds(10), connectTimeout: .seconds(2))
    }

    @Test(arguments: [
        ([HeaderField(name: "X-A", value: "1"), HeaderField(name: "X Bad", value: "2")], "invalid header name"),
        ([HeaderField(name: "X-A", value: "1"), HeaderField(name: "", value: "2")], "invalid header name"),
        ([HeaderField(name: "X-Note", value: "a\r\nX-Admin: 1")], "header value contains CR, LF or NUL"),
        ([HeaderField(name: "X-Note", value: "a\0b")], "header value contains CR, LF or NUL"),
        ([HeaderField(name: "X-A", value: "1"), HeaderField(name: "Content-Length", value: "2\r\nX-Admin: 1")],
         "header value contains CR, LF or NUL"),
        ([HeaderField(name: "Transfer-Encoding:", value: "chunked")], "invalid header name"),
    ])
    func aForgedFieldIsRefusedBeforeSending(headers: [HeaderField], problem: String) async throws {
        let server = try await ExampleUpstreamServer.start(host: "127.0.0.1", port: 0, threads: 1)
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        var refusal: UpstreamFailure?
        do { _ = try await transport.send(request(server.port, headers: headers)) } catch { refusal = error }
        #expect(refusal?.kind == .connect)
        #expect(refusal?.message.hasPrefix("\(problem); not sent to") == true)
        #expect(server.ledger.totalExecutions == 0)

        // The next request takes the refused one's handle: it carries its
        // own fields and nothing of the refused list.
        let response = try await transport.send(request(server.port, headers: [HeaderField(name: "X-Next", value: "1")]))
        #expect(response.status == 201)
        #expect(server.ledger.totalExecutions == 1)
        let seen = try #require(server.ledger.requests.last)
        #expect(seen.headers.map(\.name).filter { $0.hasPrefix("X-") } == ["X-Next"])
        #expect(seen.header("Content-Length") == "2")
        await server.stop()
    }

    @Test(arguments: [
        ("/orders#frag", "URL contains #, which would cut the path short"),
        ("/orders?q=a b", "URL contains whitespace or control characters"),
        ("/orders\u{7F}", "URL contains whitespace or control characters"),
        // Both: the whitespace check speaks first, wherever the `#` is.
        ("/a#b c", "URL contains whitespace or control characters"),
    ])
    func aBrokenURLIsRefusedBeforeSending(path: String, problem: String) async throws {
        let server = try await ExampleUpstreamServer.start(host: "127.0.0.1", port: 0, threads: 1)
        let transport = CurlTransport(logger: Self.logger)
        defer { transport.shutdown() }
        var refusal: UpstreamFailure?
        do { _ = try await transport.send(request(server.port, path: path, headers: [])) } catch { refusal = error }
        #expect(refusal?.kind == .connect)
        #expect(refusal?.message.hasPrefix(problem) == true)
        #expect(server.ledger.totalExecutions == 0)
        await server.stop()
    }
}
