extension RequestPipeline {
    /// Forward and settle on an `async` route: the call races the `after`
    /// timer. A call whose response (for a streamed body: its head) arrives
    /// first is answered as on any route. Otherwise the operation is
    /// published and the client gets 202 while the call goes on in its own
    /// task, which a client that disconnects cannot cancel; that task settles
    /// the claim as usual, then marks the operation settled.
    func runOperation(_ claimed: ClaimedRequest, operation: OperationID, after: Duration) async -> PipelineResult {
        let race = OperationRace()
        let operationKey = operation.storeKey(prefix: settings.keyPrefix)
        let policy = claimed.policy
        let timer = Task {
            await sleep(after)
            guard race.startPublishing() else { return }
            let record = OperationRecord(storeKey: claimed.key.value, route: claimed.route.name,
                                         scope: Self.scopeDigest(of: claimed.request, route: claimed.route),
                                         fingerprint: claimed.claim.fingerprint)
            do throws(StoreUnavailable) {
                // False only when the call settled it first: published either way.
                _ = try await store.publishOperation(record, at: operationKey, ttl: policy.lockTTL + policy.ttl)
                race.published(.success(()))
            } catch {
                race.published(.failure(error))
            }
        }
        operations.enter()
        Task {
            defer { operations.leave() }
            let call = await forward(claimed)
            guard !race.deliver(call) else { return }
            // An answer that releases the key is kept with the operation
            // before the release, so no poll meanwhile finds it lost.
            var settled = await settle(claimed, after: call) { response in
                await writeOperation(claimed, key: operationKey, state: answered(response), as: .failed)
            }
            // Nobody reads a body that streams after the 202: it was not
            // kept (see `settle`), so the transfer stops here.
            settled.response.bodyStream?.cancel()
            if !settled.events.contains(.operation(.failed)) {
                let stored = settled.events.contains { if case .stored = $0 { true } else { false } }
                settled.events += await writeOperation(claimed, key: operationKey, state: stored ? .settled : answered(settled.response),
                                                       as: stored ? .completed : .failed)
            }
            onOperationSettled(settled, claimed.route, claimed.request)
        }
        switch await race.verdict() {
        case .call(let call):
            timer.cancel()
            return await settle(claimed, after: call)
        case .accepted:
            return result(Self.accepted(operation), .accepted, key: claimed.key, fence: claimed.claim.fence,
                          events: [.operation(.started)])
        case .unpublished(let error):
            // The call goes on and settles the key; a retry with the same
            // key then gets its answer. Only the poll address is missing.
            return result(Problems.storeUnavailable().response, .storeUnavailable, key: claimed.key, fence: claimed.claim.fence,
                          events: [.storeError(operation: "publish_operation", reason: error.reason)])
        }
    }

    /// A retry that finds the key held by a published operation gets the
    /// same 202 and `Location`; nil while it is not published (the call is
    /// within `after`, or its gateway could not publish it), and the retry
    /// is met like any request in flight.
    func rejoin(_ operation: OperationID, key: StoreKey) async -> PipelineResult? {
        guard (try? await store.readOperation(at: operation.storeKey(prefix: settings.keyPrefix))) != nil else { return nil }
        return result(Self.accepted(operation), .accepted, key: key)
    }

    /// Marks the operation settled, for `ttl` like the record: a stored
    /// response is read from the record by each poll (`.settled`); any other
    /// answer (a status the route does not store, a failed call, a lost
    /// lease) is kept here, since the key holds none of it.
    private func writeOperation(_ claimed: ClaimedRequest, key: String, state: OperationRecord.State,
                                as outcome: OperationState) async -> [PipelineEvent] {
        let record = OperationRecord(storeKey: claimed.key.value, route: claimed.route.name,
                                     scope: Self.scopeDigest(of: claimed.request, route: claimed.route),
                                     fingerprint: claimed.claim.fingerprint, state: state)
        do {
            try await store.finishOperation(record, at: key, ttl: claimed.policy.ttl)
            return [.operation(outcome)]
        } catch {
            return [.operation(outcome), .storeError(operation: "finish_operation", reason: error.reason)]
        }
    }

    /// `response` as an operation keeps it: whole when it was buffered and
    /// small enough to store, else its status only (polls get 410).
    private func answered(_ response: GatewayResponse) -> OperationRecord.State {
        guard response.bodyStream == nil, response.body.count <= settings.maxStoredBody else {
            return .answered(Snapshot(status: response.status, headers: [], body: [], bodyKept: false))
        }
        return .answered(Snapshot(status: response.status, headers: response.headers, body: response.body))
    }

    /// 202 for a running operation: for the request that started it, a
    /// retry, and every poll while it runs.
    static func accepted(_ operation: OperationID) -> GatewayResponse {
        let body = #"{"operation":"\#(operation.text)","state":"running"}"#
        return GatewayResponse(status: 202, headers: [
            HeaderField(name: "Content-Type", value: "application/json"),
            HeaderField(name: "Location", value: operation.location),
            HeaderField(name: "Retry-After", value: "1"),
        ], body: Array(body.utf8))
    }

    /// Digest of the route and its scope header values: a poll must give
    /// the same one. Computed as a store key with a fixed key, so it hashes
    /// the scope exactly as the key that holds the record does.
    static func scopeDigest(of request: GatewayRequest, route: Route) -> String {
        guard let policy = route.idempotency, case .success(let fixed) = IdempotencyKey.parse("operation-scope") else { return "" }
        return StoreKey(prefix: "", route: route.name, scope: scope(of: request, policy: policy), key: fixed).digest
    }
}
