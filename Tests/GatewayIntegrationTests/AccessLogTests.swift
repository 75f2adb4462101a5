import Foundation
import Testing

/// The access log line as an operator's log store reads it (`log.format:
/// json`): the request's path without its query, who sent it, how many
/// bytes went each way, the upstream and the trace, and numbers as JSON
/// numbers it can sum and compare.
@Suite(.serialized)
struct AccessLogTests {
    @Test func theAccessLineCarriesTheRequestsFieldsWithNumbersAsNumbers() async throws {
        let f = try await GatewayFixture(logFormat: "json")
        let body = #"{"amount":12345}"#
        let response = try await f.post("/v1/refunds?token=SECRET-QUERY", key: "access-1", body: body,
                                        headers: [("User-Agent", "access-test/1.0"), ("X-Request-Id", "access-line-1")])
        #expect(response.status == 201)
        let line = try await AccessLogLines.line(requestID: "access-line-1", in: f.gateway)
        #expect(line["path"] as? String == "/v1/refunds")
        #expect(line["client.address"] as? String == "127.0.0.1")
        #expect(line["user_agent"] as? String == "access-test/1.0")
        #expect(line["upstream"] as? String == "main")
        #expect(line["route"] as? String == "refunds")
        #expect(line["method"] as? String == "POST")
        let forwarded = try #require(f.ledger.requests.last?.header("traceparent"))
        #expect(line["trace_id"] as? String == String(forwarded.split(separator: "-")[1]))
        for field in ["status", "duration_ms", "upstream_ms", "bytes_in", "bytes_out", "upstream_status", "fence"] {
            #expect(AccessLogLines.isNumber(line[field]), "\(field) is \(String(describing: line[field])), not a JSON number")
        }
        #expect((line["status"] as? NSNumber)?.intValue == 201)
        #expect((line["upstream_status"] as? NSNumber)?.intValue == 201)
        #expect((line["bytes_in"] as? NSNumber)?.intValue == body.utf8.count)
        #expect((line["bytes_out"] as? NSNumber)?.intValue == response.body.count)
        #expect(response.body.count > 0)
        #expect(((line["duration_ms"] as? NSNumber)?.doubleValue ?? -1) >= 0)

        // A replay forwards nothing, but its line still names its trace.
        let replayParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
        let replay = try await f.post("/v1/refunds?token=SECRET-QUERY", key: "access-1", body: body,
                                      headers: [("X-Request-Id", "access-line-2"), ("traceparent", replayParent)])
        #expect(replay.header("Idempotent-Replayed") == "true")
        #expect(f.ledger.executions(key: "access-1") == 1)
        let replayLine = try await AccessLogLines.line(requestID: "access-line-2", in: f.gateway)
        #expect(replayLine["trace_id"] as? String == "0af7651916cd43dd8448eb211c80319c")
        #expect(replayLine["outcome"] as? String == "replayed")
        #expect((replayLine["bytes_out"] as? NSNumber)?.intValue == replay.body.count)
        #expect(replayLine["upstream_ms"] == nil)

        // A request no route takes, and one refused before its body, still
        // get a line with a trace id and numbers.
        let refused = try await TestHTTPClient.send(port: f.port, path: "/v1/refunds?token=SECRET-REFUSED",
                                                    headers: [("X-Request-Id", "access-line-3"), ("Expect", "teapot")])
        #expect(refused.status == 417)
        let refusedLine = try await AccessLogLines.line(requestID: "access-line-3", in: f.gateway)
        #expect(refusedLine["path"] as? String == "/v1/refunds")
        #expect((refusedLine["trace_id"] as? String)?.count == 32)
        #expect((refusedLine["status"] as? NSNumber)?.intValue == 417)
        #expect(AccessLogLines.isNumber(refusedLine["bytes_in"]))
        #expect(!f.gateway.log.contains("SECRET"))
        await f.shutdown()
    }
}
