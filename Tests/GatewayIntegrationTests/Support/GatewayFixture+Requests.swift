/// Shorthands for the requests most tests send.
extension GatewayFixture {
    /// A POST with an optional idempotency key and a small JSON body. A
    /// request that gets no answer fails with the gateway's state and log, so
    /// a reset connection in CI says what the gateway was doing.
    func post(_ path: String, key: String?, body: String = #"{"amount":100}"#, headers: [(String, String)] = []) async throws -> TestResponse {
        var all = headers
        if let key { all.append(("Idempotency-Key", key)) }
        all.append(("Content-Type", "application/json"))
        do {
            return try await TestHTTPClient.send(port: port, method: "POST", path: path, headers: all, body: Array(body.utf8))
        } catch {
            throw GatewayRequestFailed(error: error, gatewayRunning: gateway.isRunning, log: GatewayProcess.excerpt(of: gateway.log))
        }
    }
}
