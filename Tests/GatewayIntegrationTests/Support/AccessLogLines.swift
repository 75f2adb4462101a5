import Foundation

/// The gateway's `log.format: json` lines as objects, for tests that read
/// the access line's fields and their JSON types.
enum AccessLogLines {
    /// The access line (`msg: request`) of the request with this id, once
    /// it reached the log.
    static func line(requestID: String, in gateway: GatewayProcess) async throws -> [String: Any] {
        await gateway.waitForLog(containing: "\"request.id\":\"\(requestID)\"")
        let objects = gateway.log.split(separator: "\n").filter { $0.hasPrefix("{") }
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        return try objects.first { $0["msg"] as? String == "request" && $0["request.id"] as? String == requestID }
            ?? { throw MissingLine(requestID: requestID, log: gateway.log) }()
    }

    /// True when JSONSerialization read the value as a number (a JSON
    /// string stays a String).
    static func isNumber(_ value: Any?) -> Bool {
        guard let value, !(value is String) else { return false }
        return value is NSNumber
    }

    struct MissingLine: Error, CustomStringConvertible {
        var requestID: String
        var log: String
        var description: String { "no access line for \(requestID); log:\n\(GatewayProcess.excerpt(of: log))" }
    }
}
