extension RequestPipeline {
    /// Phase 4: one store round trip, repeated in `wait` mode while another
    /// request holds the key. On `.acquired` the lease keeper starts
    /// renewing at once, so the claim is kept from the moment it is owned.
    func claim(_ request: GatewayRequest, route: Route, policy: IdempotencyPolicy, key: StoreKey,
               pending: PendingClaim) async -> ClaimDecision {
        let deadline = now() + policy.waitTimeout
        var pause = settings.firstPoll
        var waited = false
        while true {
            let answer: ClaimResult
            do {
                switch try await storeClaim(request, route: route, policy: policy, key: key, pending: pending) {
                case .claimed(let claimed): answer = claimed
                case .limited(let retryAfter): return .answered(rateLimited(retryAfter: retryAfter, key: key))
                }
            } catch {
                let event = PipelineEvent.storeError(operation: "claim", reason: error.reason)
                // Shadow mode forwards whatever `on_unavailable` says: it
                // must never make the API behind it less available.
                if settings.onUnavailable == .passThrough || policy.mode == .shadow {
                    return .answered(await passThrough(request, route: route, outcome: .storeUnavailable, key: key, events: [event]))
                }
                return .answered(result(Problems.storeUnavailable().response, .storeUnavailable, key: key, events: [event]))
            }
            if policy.mode == .shadow, let verdict = Self.shadowVerdict(answer) {
                return .answered(await shadowForward(request, route: route, verdict: verdict, key: key))
            }
            if case .running(let operation, _) = answer, let accepted = await rejoin(operation, key: key) {
                return .answered(accepted)
            }
            switch answer {
            case .acquired(let owned):
                let ticket = leases.keep(key, owned, lease: policy.lockTTL, ttl: policy.ttl,
                                         holdingFor: policy.onAmbiguous == .hold ? route.upstream.name : nil)
                return .owned(ClaimedRequest(request: request, route: route, policy: policy, key: key, claim: owned, ticket: ticket))
            case .completed(let snapshot):
                return .answered(result(Self.replay(snapshot), waited ? .waited : .replayed, key: key))
            case .mismatch:
                return .answered(result(Problems.mismatch(header: policy.keySource).response, .mismatch, key: key))
            case .corrupt(let bytes) where policy.mode == .shadow:
                return .answered(await passThrough(request, route: route, outcome: .shadowed, key: key,
                                                   events: [.recordCorrupt(bytes: bytes)]))
            case .corrupt(let bytes):
                // Not store-unavailable: the store answered, and retrying
                // will not help. Not free either: the record may have been a
                // completed one, so executing could run the request twice.
                return .answered(result(Problems.recordCorrupt().response, .recordCorrupt, key: key,
                                        events: [.recordCorrupt(bytes: bytes)]))
            // An operation not yet published (its call is within `after`)
            // is met like any request in flight.
            case .inFlight(let remainingLease), .running(_, let remainingLease):
                let remaining = deadline - now()
                guard policy.onConflict == .wait, remaining > .zero else {
                    // The holder's lease left is the earliest a retry can
                    // find the key settled or free (renewal may push it on).
                    let conflict = Problems.inFlight(retryAfter: remainingLease.retryAfterSeconds)
                    return .answered(result(conflict.response, .conflict, key: key))
                }
                waited = true
                await sleep(min(pause, remaining))
                pause = min(pause * 2, settings.longestPoll)
            }
        }
    }

    /// A stored answer as the client gets it again, marked as a replay; one
    /// whose body was too large to keep becomes 410 `response-not-kept`.
    static func replay(_ snapshot: Snapshot) -> GatewayResponse {
        var response: GatewayResponse
        if snapshot.bodyKept {
            response = GatewayResponse(status: snapshot.status, headers: snapshot.headers, body: snapshot.body)
        } else {
            response = Problems.responseNotKept(originalStatus: snapshot.status).response
        }
        response.headers.append(HeaderField(name: "Idempotent-Replayed", value: "true"))
        return response
    }
}
