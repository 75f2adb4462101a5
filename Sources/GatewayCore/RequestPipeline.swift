/// Admit, claim, forward, settle: the idempotency logic for one request,
/// over a store and a transport given as protocols. No sockets here, so every
/// decision is unit-testable with `MemoryStore` and a fake transport.
public struct RequestPipeline: Sendable {
    /// Settings that apply to every route.
    public struct Settings: Sendable {
        /// Prepended to every store key (`store.key_prefix`).
        public var keyPrefix: String = "idem"
        public var onUnavailable: StoreUnavailableMode = .reject
        /// Responses larger than this are passed on but not kept.
        public var maxStoredBody: Int = 1 << 20
        /// First and longest pause between polls in `wait` mode.
        public var firstPoll: Duration = .milliseconds(5)
        public var longestPoll: Duration = .milliseconds(100)

        public init() {}
    }

    private let store: any IdempotencyStore
    private let transport: any UpstreamTransport
    private let guards: [String: UpstreamGuard]
    private let settings: Settings
    private let now: @Sendable () -> ContinuousClock.Instant
    private let sleep: @Sendable (Duration) async -> Void
    private let leases: LeaseKeeper

    public init(
        store: any IdempotencyStore,
        transport: any UpstreamTransport,
        guards: [String: UpstreamGuard] = [:],
        settings: Settings = Settings(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        renewalSleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.store = store
        self.transport = transport
        self.guards = guards
        self.settings = settings
        self.now = now
        self.sleep = sleep
        self.leases = LeaseKeeper(store: store, now: now, sleep: renewalSleep)
    }

    public func handle(_ request: GatewayRequest, route: Route) async -> PipelineResult {
        guard let policy = route.idempotency, policy.methods.contains(request.method) else {
            return await passThrough(request, route: route, outcome: .passthrough)
        }
        let keyValues = request.headers.values(named: policy.header)
        guard let rawKey = keyValues.first else {
            if policy.required {
                return PipelineResult(response: Problems.missingKey(header: policy.header).response, outcome: .missingKey)
            }
            return await passThrough(request, route: route, outcome: .passthrough)
        }
        guard keyValues.count == 1 else {
            return PipelineResult(response: Problems.duplicateKeyHeader(header: policy.header).response, outcome: .invalidKey)
        }
        let key: IdempotencyKey
        switch IdempotencyKey.parse(rawKey) {
        case .success(let parsed): key = parsed
        case .failure(let reason):
            return PipelineResult(response: Problems.invalidKey(header: policy.header, reason).response, outcome: .invalidKey)
        }
        let storeKey = StoreKey(
            prefix: settings.keyPrefix, route: route.name,
            scope: policy.scopeHeaders.map { name in
                let values = request.headers.values(named: name)
                return values.isEmpty ? nil : values.joined(separator: ", ")
            },
            key: key)
        let fingerprint = Fingerprint.compute(
            method: request.method, path: request.path, query: request.query, body: request.body,
            headers: policy.fingerprintHeaders.map { ($0, request.headers.values(named: $0)) })
        return await protect(request, route: route, policy: policy, key: storeKey, claim: PendingClaim(fingerprint: fingerprint))
    }

    /// Claims the key, and in `wait` mode keeps polling while it is in flight.
    private func protect(_ request: GatewayRequest, route: Route, policy: IdempotencyPolicy, key: StoreKey, claim: PendingClaim) async -> PipelineResult {
        let deadline = now() + policy.waitTimeout
        var pause = settings.firstPoll
        var waited = false
        while true {
            let result: ClaimResult
            do {
                result = try await store.claim(key, claim, lease: policy.lockTTL, ttl: policy.ttl)
            } catch {
                let event = PipelineEvent.storeError(operation: "claim", reason: error.reason)
                if settings.onUnavailable == .passThrough {
                    var forwarded = await passThrough(request, route: route, outcome: .storeUnavailable)
                    forwarded.keyDigest = key.digest
                    forwarded.events.insert(event, at: 0)
                    return forwarded
                }
                return PipelineResult(response: Problems.storeUnavailable().response, outcome: .storeUnavailable,
                                      keyDigest: key.digest, events: [event])
            }
            switch result {
            case .acquired(let owned):
                return await execute(request, route: route, policy: policy, key: key, claim: owned)
            case .completed(let snapshot):
                return PipelineResult(response: replay(snapshot), outcome: waited ? .waited : .replayed, keyDigest: key.digest)
            case .mismatch:
                return PipelineResult(response: Problems.mismatch(header: policy.header).response, outcome: .mismatch, keyDigest: key.digest)
            case .corrupt(let bytes):
                // Not store-unavailable: the store answered, and retrying
                // will not help. Not free either: the record may have been a
                // completed one, so executing could run the request twice.
                return PipelineResult(response: Problems.recordCorrupt().response, outcome: .recordCorrupt,
                                      keyDigest: key.digest, events: [.recordCorrupt(bytes: bytes)])
            case .inFlight:
                let remaining = deadline - now()
                guard policy.onConflict == .wait, remaining > .zero else {
                    return PipelineResult(response: Problems.inFlight(retryAfter: 1).response, outcome: .conflict, keyDigest: key.digest)
                }
                waited = true
                await sleep(min(pause, remaining))
                pause = min(pause * 2, settings.longestPoll)
            }
        }
    }

    /// Forwards a request that owns its key, then stores or releases it.
    private func execute(_ request: GatewayRequest, route: Route, policy: IdempotencyPolicy, key: StoreKey, claim: PendingClaim) async -> PipelineResult {
        let upstreamResponse: UpstreamResponse
        let (result, elapsed, renewalEvents) = await callKeepingLease(request, route: route, policy: policy, key: key, claim: claim)
        var events = renewalEvents
        switch result {
        case .success(let response):
            upstreamResponse = response
        case .failure(let failure):
            return await settle(failure, route: route, policy: policy, key: key, claim: claim, elapsed: elapsed, events: events)
        }
        let headers = ForwardedRequest.responseHeaders(upstreamResponse.headers)
        let response = GatewayResponse(status: upstreamResponse.status, headers: headers, body: upstreamResponse.body,
                                       bodyStream: upstreamResponse.bodyStream)
        guard policy.storePolicy.stores(upstreamResponse.status) else {
            await release(key, claim, events: &events)
            var unstored = PipelineResult(response: response, outcome: .notStored, keyDigest: key.digest,
                                          upstreamStatus: upstreamResponse.status, events: events)
            unstored.upstreamDuration = elapsed
            unstored.fence = claim.fence
            return unstored
        }
        // A streamed body is over the limit by definition: settled now, before it streams.
        let snapshot = !upstreamResponse.isStreamed && upstreamResponse.body.count <= settings.maxStoredBody
            ? Snapshot(status: response.status, headers: headers, body: response.body)
            : Snapshot(status: response.status, headers: [], body: [], bodyKept: false)
        await complete(key, claim, snapshot: snapshot, ttl: policy.ttl, events: &events)
        var executed = PipelineResult(response: response, outcome: .executed, keyDigest: key.digest,
                                      upstreamStatus: upstreamResponse.status, events: events)
        executed.upstreamDuration = elapsed
        executed.fence = claim.fence
        return executed
    }

    /// Settles a claim whose call got no response, before answering, so a
    /// retry the client sends the moment it reads the error finds the key
    /// free (released) or finds the stored answer (held). Only a failure
    /// that may have reached the upstream is ever held: one that provably
    /// did not is released whatever `on_ambiguous` says, a retry being safe.
    private func settle(_ failure: CallFailure, route: Route, policy: IdempotencyPolicy, key: StoreKey, claim: PendingClaim,
                        elapsed: Duration?, events: [PipelineEvent]) async -> PipelineResult {
        var events = events
        if case .failed(let error) = failure {
            events.append(.upstreamFailure(error.kind, message: error.message))
        }
        var answer = failure.problem(upstream: route.upstream.name).response
        switch (failure.ambiguousCause, policy.onAmbiguous) {
        case (let cause?, .hold):
            events.append(.ambiguousOutcome(cause, held: true))
            answer = await hold(key, claim, cause: cause, upstream: route.upstream.name, ttl: policy.ttl, events: &events)
        case (let cause, _):
            if let cause { events.append(.ambiguousOutcome(cause, held: false)) }
            await release(key, claim, events: &events)
        }
        var failed = PipelineResult(response: answer, outcome: failure.outcome, keyDigest: key.digest, events: events)
        failed.upstreamDuration = elapsed
        failed.fence = claim.fence
        return failed
    }

    /// Forwards with the claim's fence while the lease keeper renews the
    /// lease every `lock_ttl / 3`, so a call slower than the lease keeps its
    /// key.
    private func callKeepingLease(_ request: GatewayRequest, route: Route, policy: IdempotencyPolicy, key: StoreKey,
                                  claim: PendingClaim) async -> (Result<UpstreamResponse, CallFailure>, Duration?, [PipelineEvent]) {
        let ticket = leases.keep(key, claim, lease: policy.lockTTL, ttl: policy.ttl,
                                 holdingFor: policy.onAmbiguous == .hold ? route.upstream.name : nil)
        let (result, elapsed) = await call(request, route: route, fence: claim.fence)
        return (result, elapsed, leases.release(ticket))
    }

    private func passThrough(_ request: GatewayRequest, route: Route, outcome: RequestOutcome) async -> PipelineResult {
        let (result, elapsed) = await call(request, route: route)
        var answer: PipelineResult
        switch result {
        case .success(let upstreamResponse):
            let response = GatewayResponse(status: upstreamResponse.status,
                                           headers: ForwardedRequest.responseHeaders(upstreamResponse.headers),
                                           body: upstreamResponse.body, bodyStream: upstreamResponse.bodyStream)
            answer = PipelineResult(response: response, outcome: outcome, upstreamStatus: upstreamResponse.status)
        case .failure(let failure):
            var events: [PipelineEvent] = []
            if case .failed(let error) = failure {
                events.append(.upstreamFailure(error.kind, message: error.message))
            }
            answer = PipelineResult(response: failure.problem(upstream: route.upstream.name).response,
                                    outcome: failure.outcome, events: events)
        }
        answer.upstreamDuration = elapsed
        return answer
    }

    /// Settling is retried twice: the upstream has executed, and a snapshot
    /// that is not stored means a retry after the lease executes again.
    private func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration, events: inout [PipelineEvent]) async {
        guard !events.contains(.claimAbandoned) else { return }
        for attempt in 0..<3 {
            do {
                if try await store.complete(key, claim, snapshot: snapshot, ttl: ttl) {
                    events.append(.stored(bytes: snapshot.body.count))
                } else {
                    events.append(.leaseLost)
                }
                return
            } catch {
                events.append(.storeError(operation: "complete", reason: error.reason))
                if attempt < 2 { await sleep(.milliseconds(50 << (attempt * 2))) }
            }
        }
    }

    /// Stores `outcome-unknown` as the key's answer and returns it, so the
    /// first client gets exactly what every retry will replay (minus
    /// `Idempotent-Replayed`). A timeout says 502 too, not 504: the answer
    /// is the gateway's final word on the key, not a gateway timeout a
    /// client might retry past. If storing fails, the claim expires with its
    /// lease and a retry executes again (logged as a settle failure).
    private func hold(_ key: StoreKey, _ claim: PendingClaim, cause: AmbiguousCause, upstream: String, ttl: Duration,
                      events: inout [PipelineEvent]) async -> GatewayResponse {
        let answer = Problems.outcomeUnknown(upstream: upstream, cause: cause).response
        await complete(key, claim, snapshot: Snapshot(status: answer.status, headers: answer.headers, body: answer.body),
                       ttl: ttl, events: &events)
        return answer
    }

    /// At the end of a shutdown that timed out: settles every claim whose
    /// upstream call is still running, while the store client is still
    /// open, so retries to another gateway do not wait out `lock_ttl`. A
    /// claim on an `on_ambiguous: hold` route stores `outcome-unknown`
    /// (cause `shutdown`); any other is released. Returns what was done.
    public func abandonHeldClaims() async -> [LeaseKeeper.Abandoned] {
        await leases.abandonAll()
    }

    /// A release that fails leaves the claim to expire with its lease.
    private func release(_ key: StoreKey, _ claim: PendingClaim, events: inout [PipelineEvent]) async {
        guard !events.contains(.claimAbandoned) else { return }
        do {
            if try await !store.release(key, claim) { events.append(.leaseLost) }
        } catch {
            events.append(.storeError(operation: "release", reason: error.reason))
        }
    }

    private func replay(_ snapshot: Snapshot) -> GatewayResponse {
        var response: GatewayResponse
        if snapshot.bodyKept {
            response = GatewayResponse(status: snapshot.status, headers: snapshot.headers, body: snapshot.body)
        } else {
            response = Problems.responseNotKept(originalStatus: snapshot.status).response
        }
        response.headers.append(HeaderField(name: "Idempotent-Replayed", value: "true"))
        return response
    }

    /// Phases 5 and 6: the upstream's guard admits the call or refuses it,
    /// then the transport forwards it, and the guard learns how it went.
    private func call(_ request: GatewayRequest, route: Route, fence: UInt64? = nil) async -> (Result<UpstreamResponse, CallFailure>, Duration?) {
        let start = now()
        let result = await guardedCall(request, route: route, fence: fence)
        if case .failure(.refused) = result { return (result, nil) }
        return (result, now() - start)
    }

    private func guardedCall(_ request: GatewayRequest, route: Route, fence: UInt64?) async -> Result<UpstreamResponse, CallFailure> {
        let upstreamGuard = guards[route.upstream.name]
        var ticket: UpstreamGuard.Ticket?
        if let upstreamGuard {
            switch upstreamGuard.admit() {
            case .success(let admitted): ticket = admitted
            case .failure(let refusal): return .failure(.refused(refusal))
            }
        }
        do {
            var forwarded = ForwardedRequest.make(request, upstream: route.upstream, keyHeader: route.idempotency?.header, keyed: fence != nil)
            if let fence { forwarded.headers.append(HeaderField(name: ForwardedRequest.fenceHeader, value: String(fence))) }
            // Every call, pass-through too: past this the body streams instead of being held.
            forwarded.bufferLimit = settings.maxStoredBody
            let response = try await transport.send(forwarded)
            if let upstreamGuard, let ticket { upstreamGuard.finish(ticket, status: response.status) }
            return .success(response)
        } catch {
            if let upstreamGuard, let ticket { upstreamGuard.finish(ticket, status: nil) }
            return .failure(.failed(error))
        }
    }
}
