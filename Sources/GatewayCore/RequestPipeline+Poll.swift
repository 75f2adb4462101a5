extension RequestPipeline {
    /// The path prefix of operation polls on the proxy listener.
    public static let operationsPath = "/_operations/"

    /// `GET /_operations/{id}`: 202 while the operation runs, its response
    /// (marked replayed) once it is done, 502 `operation-lost` when its
    /// execution died. Any gateway answers, from the store alone. An id that
    /// is unknown, expired, malformed, of a route no longer configured, or
    /// polled with other scope header values than the request that started
    /// it gets the same 404: nothing tells a stranger that an id exists.
    /// Returns the operation's route too, for the request's metrics.
    public func poll(_ id: Substring, request: GatewayRequest, routes: RouteTable) async -> (result: PipelineResult, route: Route?) {
        let notFound = result(Problems.operationNotFound().response, .rejected)
        guard let operation = OperationID(text: id) else { return (notFound, nil) }
        let lookup: OperationLookup?
        do {
            lookup = try await store.readOperation(at: operation.storeKey(prefix: settings.keyPrefix))
        } catch {
            return (result(Problems.storeUnavailable().response, .storeUnavailable,
                           events: [.storeError(operation: "read_operation", reason: error.reason)]), nil)
        }
        guard let lookup, let route = routes.routes.first(where: { $0.name == lookup.operation.route }),
              Self.sameDigest(Self.scopeDigest(of: request, route: route), lookup.operation.scope)
        else { return (notFound, nil) }
        let answer: PipelineResult = switch lookup.operation.pollState(id: operation, record: lookup.record) {
        case .running:
            result(Self.accepted(operation), .accepted)
        case .done(let snapshot):
            result(Self.replay(snapshot), .replayed)
        case .lost:
            result(Problems.operationLost().response, .operationLost, events: [.operation(.lost)])
        case .expired:
            notFound
        }
        return (answer, route)
    }

    /// Compares every byte whatever the first difference, so a poll's
    /// timing does not leak how much of a scope digest it guessed.
    static func sameDigest(_ lhs: String, _ rhs: String) -> Bool {
        let (left, right) = (Array(lhs.utf8), Array(rhs.utf8))
        guard left.count == right.count else { return false }
        var difference: UInt8 = 0
        for index in left.indices { difference |= left[index] ^ right[index] }
        return difference == 0
    }
}
