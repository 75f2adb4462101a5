/// A request to the gateway that got no response, with what the gateway
/// had logged by then.
struct GatewayRequestFailed: Error, CustomStringConvertible {
    var error: any Error
    var gatewayRunning: Bool
    var log: String

    var description: String {
        "request failed: \(error); gateway \(gatewayRunning ? "still running" : "exited"); its log:\n\(log)"
    }
}
