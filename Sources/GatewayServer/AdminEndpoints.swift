import GatewayCore
import Prometheus

/// What the admin listener serves: Prometheus metrics, the two probes,
/// `POST /reload` and, with `admin.token`, the key API (`/keys/...`).
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
    /// Whether an unreachable store makes the gateway unready. False when no
    /// request would be refused for it: no route is idempotent, or
    /// `store.on_unavailable` is `pass_through`. Then every replica going
    /// unready together, with the store, would turn a degraded service into
    /// none. Asked per probe: a reload can add or remove idempotent routes.
    public var storeGatesReadiness: @Sendable () -> Bool
    /// `POST /reload`; nil answers 404.
    public var reload: (@Sendable () async -> ReloadReport)?
    /// Run before each `/metrics` answer, for the values that are read
    /// rather than counted (`ProcessMetrics.refresh`).
    public var beforeScrape: @Sendable () -> Void
    /// The key API; nil (no `admin.token`) answers 404 under `/keys/`.
    /// Its token also guards `POST /reload`.
    public var keys: KeyAdministration?

    public init(registry: PrometheusCollectorRegistry, store: any IdempotencyStore, drainer: ConnectionDrainer,
                storeWarning: (@Sendable () async -> String?)? = nil, storeGatesReadiness: @escaping @Sendable () -> Bool = { true },
                reload: (@Sendable () async -> ReloadReport)? = nil, beforeScrape: @escaping @Sendable () -> Void = {},
                keys: KeyAdministration? = nil) {
        self.registry = registry
        self.store = store
        self.drainer = drainer
        self.storeWarning = storeWarning
        self.storeGatesReadiness = storeGatesReadiness
        self.reload = reload
        self.beforeScrape = beforeScrape
        self.keys = keys
    }

    /// Status and body for a request. Only `/readyz`, `/reload` and `/keys/` do any work.
    func respond(_ request: AdminRequest) async -> GatewayResponse {
        let path = request.path, method = request.method
        if path.hasPrefix("/keys/") {
            guard let keys else { return Self.notFound }
            return await keys.respond(request)
        }
        switch path {
        case "/metrics":
            beforeScrape()
            return GatewayResponse(status: 200, headers: [HeaderField(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")],
                                   body: registry.emitToBuffer())
        case "/healthz":
            return Self.text(200, "ok\n")
        case "/readyz":
            return await readiness()
        case "/reload":
            guard let reload else { return Self.notFound }
            guard method == "POST" else {
                var refused = Self.text(405, "use POST /reload\n")
                refused.headers.append(HeaderField(name: "Allow", value: "POST"))
                return refused
            }
            if let keys, !keys.authorizes(request) { return KeyAdministration.unauthorized }
            return await reload().response
        default:
            return Self.notFound
        }
    }

    private func readiness() async -> GatewayResponse {
        if drainer.isDraining { return Self.text(503, "shutting down\n") }
        do {
            try await store.ping()
        } catch {
            guard storeGatesReadiness() else {
                return Self.text(200, "ready\nstore unavailable; not required: no request is refused for it (on_unavailable: pass_through, or no route enforcing idempotency or a rate limit)\n")
            }
            return Self.text(503, "store unavailable\n")
        }
        if let warning = await storeWarning?() {
            return Self.text(200, "ready\nwarning: \(warning)\n")
        }
        return Self.text(200, "ready\n")
    }

    private static let notFound = text(404, "not found; try /metrics, /healthz, /readyz or POST /reload\n")

    private static func text(_ status: Int, _ body: String) -> GatewayResponse {
        GatewayResponse(status: status, headers: [HeaderField(name: "Content-Type", value: "text/plain; charset=utf-8")], body: Array(body.utf8))
    }
}
