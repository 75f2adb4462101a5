import GatewayCore
import Prometheus

/// What the admin listener serves: Prometheus metrics and the two probes.
public struct AdminEndpoints: Sendable {
    public var registry: PrometheusCollectorRegistry
    /// The store `/readyz` pings.
    public var store: any IdempotencyStore
    /// While draining, `/readyz` answers 503 so load balancers stop sending.
    public var drainer: ConnectionDrainer
    /// Asked on every ready `/readyz`: a configuration risk of the store
    /// worth a human's attention (Redis may evict our keys), or nil. It does
    /// not make the gateway unready: it works, it just promises less.
    public var storeWarning: (@Sendable () async -> String?)?

    public init(registry: PrometheusCollectorRegistry, store: any IdempotencyStore, drainer: ConnectionDrainer,
                storeWarning: (@Sendable () async -> String?)? = nil) {
        self.registry = registry
        self.store = store
        self.drainer = drainer
        self.storeWarning = storeWarning
    }

    /// Status and body for `path`. Only `/readyz` touches the network.
    func respond(to path: String) async -> GatewayResponse {
        switch path {
        case "/metrics":
            return GatewayResponse(status: 200, headers: [HeaderField(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")],
                                   body: registry.emitToBuffer())
        case "/healthz":
            return Self.text(200, "ok\n")
        case "/readyz":
            if drainer.isDraining { return Self.text(503, "shutting down\n") }
            do {
                try await store.ping()
                if let warning = await storeWarning?() {
                    return Self.text(200, "ready\nwarning: \(warning)\n")
                }
                return Self.text(200, "ready\n")
            } catch {
                return Self.text(503, "store unavailable\n")
            }
        default:
            return Self.text(404, "not found; try /metrics, /healthz or /readyz\n")
        }
    }

    private static func text(_ status: Int, _ body: String) -> GatewayResponse {
        GatewayResponse(status: status, headers: [HeaderField(name: "Content-Type", value: "text/plain; charset=utf-8")], body: Array(body.utf8))
    }
}
