import Foundation
import Testing

/// Issue 14, item H: query strings (often tokens) never reach the logs. The
/// `upstream call failed` line carries the transport's message, which names
/// the upstream URL: path yes, query no.
@Suite(.serialized)
struct UpstreamLogRedactionTests {
    @Test(arguments: [
        ("/v1/ghost/pay?token=s3cret-connect", "s3cret-connect", [(String, String)]()),
        ("/v1/refunds/pay?token=s3cret-closed", "s3cret-closed", [("X-Upstream-Close", "1")]),
    ])
    func upstreamFailureLogLineHasNoQuery(target: String, secret: String, headers: [(String, String)]) async throws {
        let f = try await GatewayFixture()
        let response = try await f.post(target, key: "log-\(secret)", headers: headers)
        #expect(response.status == 502)
        var log = ""
        for _ in 0..<50 {
            log = f.gateway.log
            if log.contains("upstream call failed") { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(log.contains("upstream call failed"))
        #expect(log.contains(String(target.prefix { $0 != "?" })))
        #expect(!log.contains(secret))
        await f.shutdown()
    }
}
