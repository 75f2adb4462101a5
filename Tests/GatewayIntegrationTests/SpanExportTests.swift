import ExampleUpstream
import Foundation
import Testing

/// `tracing.otlp_endpoint`: a recorded request's spans (request, claim,
/// forward, settle) reach an OTLP/HTTP collector as JSON, under the client's
/// trace id, with the upstream's parent being the `forward` span; a
/// collector that is down costs requests nothing.
@Suite(.serialized)
struct SpanExportTests {
    private static let clientParent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

    /// Every span the collector received, by name, from its JSON bodies.
    private func receivedSpans(_ collector: ExampleUpstreamServer) throws -> [[String: Any]] {
        var spans: [[String: Any]] = []
        for request in collector.ledger.requests {
            #expect(request.uri == "/v1/traces")
            #expect(request.header("Content-Type") == "application/json")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
            let resources = try #require(object["resourceSpans"] as? [[String: Any]])
            for resource in resources {
                for scope in resource["scopeSpans"] as? [[String: Any]] ?? [] {
                    spans += scope["spans"] as? [[String: Any]] ?? []
                }
            }
        }
        return spans
    }

    @Test func aRecordedRequestsSpansReachTheCollector() async throws {
        let collector = try await ExampleUpstreamServer.start()
        let f = try await GatewayFixture(extraTopLevel: """
            tracing:
              otlp_endpoint: "http://127.0.0.1:\(collector.port)"
              service_name: gateway-under-test
              sample_ratio: 0
            """)
        let response = try await f.post("/v1/refunds", key: "span-1", headers: [("traceparent", Self.clientParent)])
        #expect(response.status == 201)
        let upstreamParent = try #require(f.ledger.requests.last?.header("traceparent")).split(separator: "-")
        // Not sampled by the client and sample_ratio 0: nothing is recorded.
        _ = try await f.post("/v1/refunds", key: "span-2")

        var spans: [[String: Any]] = []
        for _ in 0..<100 {
            spans = try receivedSpans(collector)
            if spans.count >= 4 { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        try await Task.sleep(for: .milliseconds(1200))  // one more export interval: nothing else may arrive
        spans = try receivedSpans(collector)
        let names = spans.compactMap { $0["name"] as? String }.sorted()
        #expect(names == ["claim", "forward", "request", "settle"])
        #expect(spans.allSatisfy { $0["traceId"] as? String == "4bf92f3577b34da6a3ce929d0e0e4736" })
        let byName = Dictionary(spans.map { ($0["name"] as? String ?? "", $0) }, uniquingKeysWith: { first, _ in first })
        let request = try #require(byName["request"])
        #expect(request["parentSpanId"] as? String == "00f067aa0ba902b7")
        #expect(request["kind"] as? Int == 2)
        let requestID = try #require(request["spanId"] as? String)
        for phase in ["claim", "forward", "settle"] {
            #expect(byName[phase]?["parentSpanId"] as? String == requestID, "\(phase) is not a child of request")
        }
        // The upstream's parent is the forward span.
        #expect(byName["forward"]?["spanId"] as? String == String(upstreamParent[2]))
        let start = UInt64(request["startTimeUnixNano"] as? String ?? "") ?? 0
        let end = UInt64(request["endTimeUnixNano"] as? String ?? "") ?? 0
        #expect(start > 1_600_000_000 * 1_000_000_000 && end >= start)
        let resourceNames = collector.ledger.requests.compactMap { String(decoding: $0.body, as: UTF8.self).contains("gateway-under-test") ? 1 : nil }
        #expect(resourceNames.count == collector.ledger.requests.count)
        #expect(try await f.metrics().value("tracing_spans_exported_total", [:]) == 4)
        await f.shutdown()
        await collector.stop()
    }

    @Test func aCollectorThatIsDownCostsRequestsNothingAndCountsDrops() async throws {
        let f = try await GatewayFixture(extraTopLevel: """
            tracing: { otlp_endpoint: "http://127.0.0.1:\(FreePort.next())" }
            """)
        for index in 0..<5 {
            let response = try await f.post("/v1/refunds", key: "down-span-\(index)")
            #expect(response.status == 201)
        }
        var dropped = 0.0
        for _ in 0..<60 {
            dropped = try await f.metrics().value("tracing_spans_dropped_total", [:]) ?? 0
            if dropped >= 20 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(dropped == 20, "5 requests of 4 spans each")
        await f.gateway.waitForLog(containing: "span export failed")
        #expect(f.gateway.log.components(separatedBy: "span export failed").count == 2, "logged once per outage")
        await f.shutdown()
    }
}
