import Foundation
import Testing

/// The admin key API as support would call it.
extension GatewayFixture {
    static let adminToken = "s3cret-admin-token"

    /// `method path` on the admin listener, with `Authorization: Bearer
    /// <token>` unless `token` is nil.
    func keys(_ method: String, _ path: String, token: String? = GatewayFixture.adminToken) async throws -> TestResponse {
        let headers = token.map { [("Authorization", "Bearer \($0)")] } ?? []
        return try await TestHTTPClient.send(port: gateway.adminPort, method: method, path: path, headers: headers)
    }

    /// The JSON object of a 200 `GET /keys/...`.
    static func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any])
    }

    /// The `type` member of a problem+json answer.
    static func problemType(_ response: TestResponse) -> String? {
        guard response.header("Content-Type") == "application/problem+json",
              let object = try? JSONSerialization.jsonObject(with: Data(response.body)) as? [String: Any]
        else { return nil }
        return object["type"] as? String
    }

    /// The `Idempotency-Fence` values the upstream received with `key`, in order.
    func fences(key: String) -> [String] {
        ledger.requests.filter { $0.header("Idempotency-Key") == key }.compactMap { $0.header("Idempotency-Fence") }
    }

    /// Waits until Redis holds a record key, i.e. a claim was written.
    func waitForRecord(timeout: Duration = .seconds(5)) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await redisKeys().isEmpty, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}
