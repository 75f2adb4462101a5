import Testing

/// The admin listener's endpoints, as a scraper or a probe would call them.
extension GatewayFixture {
    func admin(_ path: String) async throws -> TestResponse {
        try await TestHTTPClient.send(port: gateway.adminPort, method: "GET", path: path)
    }

    func metrics() async throws -> PrometheusText {
        PrometheusText(try await admin("/metrics").text)
    }

    /// Stops Redis and expects `/readyz` to stay 200 "not required": what a
    /// gateway with no route that refuses requests for the store must say.
    func stopStoreAndExpectReady(sourceLocation: SourceLocation = #_sourceLocation) async throws {
        redis.stop()
        let ready = try await admin("/readyz")
        #expect(ready.status == 200, sourceLocation: sourceLocation)
        #expect(ready.text.contains("not required"), sourceLocation: sourceLocation)
    }
}
