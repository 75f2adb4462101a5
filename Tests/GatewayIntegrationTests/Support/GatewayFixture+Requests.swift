/// Shorthands for the requests most tests send.
extension GatewayFixture {
    /// A POST with an optional idempotency key and a small JSON body.
    func post(_ path: String, key: String?, body: String = #"{"amount":100}"#, headers: [(String, String)] = []) async throws -> TestResponse {
        var all = headers
        if let key { all.append(("Idempotency-Key", key)) }
        all.append(("Content-Type", "application/json"))
        return try await TestHTTPClient.send(port: port, method: "POST", path: path, headers: all, body: Array(body.utf8))
    }
}
