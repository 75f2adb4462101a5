/// The admin listener's endpoints, as a scraper or a probe would call them.
extension GatewayFixture {
    func admin(_ path: String) async throws -> TestResponse {
        try await TestHTTPClient.send(port: gateway.adminPort, method: "GET", path: path)
    }

    func metrics() async throws -> PrometheusText {
        PrometheusText(try await admin("/metrics").text)
    }
}
