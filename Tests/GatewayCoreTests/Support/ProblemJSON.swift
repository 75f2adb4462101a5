import Foundation
import GatewayCore
import Testing

/// The problem+json body of `response`, parsed; records an issue when the
/// content type is wrong.
func problem(_ response: GatewayResponse) throws -> [String: Any] {
    #expect(response.headers.values(named: "Content-Type") == ["application/problem+json"])
    let object = try JSONSerialization.jsonObject(with: Data(response.body))
    return try #require(object as? [String: Any])
}

/// The last segment of the problem's `type` URI, e.g. `request-in-flight`.
func slug(_ response: GatewayResponse) throws -> String? {
    (try problem(response)["type"] as? String)?.split(separator: ":").last.map(String.init)
}
