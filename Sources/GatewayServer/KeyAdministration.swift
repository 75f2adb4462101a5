import Foundation
import GatewayCore
import Logging

/// The admin key API: `GET` and `DELETE /keys/{route}/{key}`, for support
/// staff who must see or clear one stuck key. The store key is a hash and
/// the record binary, so redis-cli cannot do this.
///
/// Every call needs `admin.token`, is counted in
/// `admin_key_operations_total` and leaves one audit log line naming the
/// key's hash, never the key: keys may be guessable or carry customer data.
/// A purge acts on the shared store at once; this gateway's own shortcut
/// for completed keys is dropped with it (`RedisStore.purge`).
public struct KeyAdministration: Sendable {
    let token: BearerToken
    let store: any IdempotencyStore
    let keyPrefix: String
    /// The routes of the running configuration, asked per call: a reload
    /// may add or remove routes or change their scope headers.
    let routes: @Sendable () -> [Route]
    let metrics: KeyOperationMetrics
    let logger: Logger

    public init(token: String, store: any IdempotencyStore, keyPrefix: String, routes: @escaping @Sendable () -> [Route],
                metrics: KeyOperationMetrics, logger: Logger) {
        self.token = BearerToken(token)
        self.store = store
        self.keyPrefix = keyPrefix
        self.routes = routes
        self.metrics = metrics
        self.logger = logger
    }

    /// False unless the request carries `Authorization: Bearer <admin.token>`.
    func authorizes(_ request: AdminRequest) -> Bool { token.accepts(request.authorization) }

    /// The 401 for a request `authorizes` refused.
    static var unauthorized: GatewayResponse {
        var response = Problems.adminUnauthorized().response
        response.headers.append(HeaderField(name: "WWW-Authenticate", value: "Bearer realm=\"idempotency-gateway-admin\""))
        return response
    }

    func respond(_ request: AdminRequest) async -> GatewayResponse {
        let operation: KeyOperationMetrics.Operation
        switch request.method {
        case "GET", "HEAD": operation = .show
        case "DELETE": operation = .purge
        default:
            var refused = Problems.keyMethodNotAllowed(request.method).response
            refused.headers.append(HeaderField(name: "Allow", value: "GET, DELETE"))
            return refused
        }
        var audit = Audit(operation: operation, client: request.client)
        let response = await answer(request, operation, &audit)
        metrics.count(operation, audit.result)
        logger.notice("admin key operation", metadata: audit.metadata(status: response.status))
        return response
    }

    private func answer(_ request: AdminRequest, _ operation: KeyOperationMetrics.Operation, _ audit: inout Audit) async -> GatewayResponse {
        guard authorizes(request) else {
            audit.result = .unauthorized
            return Self.unauthorized
        }
        audit.result = .invalid
        let segments = request.path.dropFirst("/keys/".count).split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard segments.count == 2, !segments[0].isEmpty, !segments[1].isEmpty,
              let routeName = AdminQuery.percentDecoded(segments[0], plusIsSpace: false),
              let rawKey = AdminQuery.percentDecoded(segments[1], plusIsSpace: false)
        else { return Problems.badRequest("use /keys/{route}/{key}, with the key %-encoded").response }
        audit.route = routeName
        let query: AdminQuery
        switch AdminQuery.parse(request.query, allowsForce: operation == .purge) {
        case .success(let parsed): query = parsed
        case .failure(let error): return Problems.badRequest(error.message).response
        }
        let lookup: KeyLookup
        switch KeyLookup.resolve(route: routeName, key: rawKey, scope: query.scope, routes: routes(), keyPrefix: keyPrefix) {
        case .success(let resolved): lookup = resolved
        case .failure(let failure):
            switch failure {
            case .unknownRoute, .notIdempotent: return Problems.unknownRoute(failure.message).response
            case .invalidKey, .unknownScope: return Problems.badRequest(failure.message).response
            }
        }
        audit.keyHash = lookup.storeKey.digest
        audit.force = query.force
        do {
            switch operation {
            case .show: return try await show(lookup, &audit)
            case .purge: return try await purge(lookup, force: query.force, &audit)
            }
        } catch {
            audit.result = .storeUnavailable
            audit.error = error.reason
            return Problems.adminStoreUnavailable().response
        }
    }

    private func show(_ lookup: KeyLookup, _ audit: inout Audit) async throws(StoreUnavailable) -> GatewayResponse {
        guard let inspection = try await store.inspect(lookup.storeKey) else {
            audit.result = .absent
            return Problems.keyNotFound(route: lookup.route.name).response
        }
        audit.result = .found
        let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
        let json = KeyReport.json(route: lookup.route.name, storeKey: lookup.storeKey, inspection: inspection,
                                  routeTTL: lookup.policy.ttl, now: now)
        return GatewayResponse(status: 200, headers: [HeaderField(name: "Content-Type", value: "application/json")],
                               body: Array((json + "\n").utf8))
    }

    private func purge(_ lookup: KeyLookup, force: Bool, _ audit: inout Audit) async throws(StoreUnavailable) -> GatewayResponse {
        switch try await store.purge(lookup.storeKey, force: force) {
        case .purged:
            audit.result = .purged
            return GatewayResponse(status: 204, headers: [], body: [])
        case .absent:
            audit.result = .absent
            return Problems.keyNotFound(route: lookup.route.name).response
        case .inFlight:
            audit.result = .inFlight
            return Problems.keyInFlight(route: lookup.route.name).response
        }
    }
}
