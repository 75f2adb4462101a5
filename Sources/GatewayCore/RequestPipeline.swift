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
    private let settings: Settings
    private let now: @Sendable () -> ContinuousClock.Instant
    private let sleep: @Sendable (Duration) async -> Void

    public init(
        store: any IdempotencyStore,
        transport: any UpstreamTransport,
        settings: Settings = Settings(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) }
    ) {
        self.store = store
        self.transport = transport
        self.settings = settings
        self.now = now
        self.sleep = sleep
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
                result = try await store.claim(key, claim, lease: policy.lockTTL)
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
        var events: [PipelineEvent] = []
        let upstreamResponse: UpstreamResponse
        do {
            upstreamResponse = try await transport.send(ForwardedRequest.make(request, upstream: route.upstream))
        } catch {
            events.append(.upstreamFailure(error.kind, message: error.message))
            await release(key, claim, events: &events)
            return PipelineResult(response: Self.problem(for: error, upstream: route.upstream.name).response,
                                  outcome: .upstreamError, keyDigest: key.digest, events: events)
        }
        let headers = ForwardedRequest.responseHeaders(upstreamResponse.headers)
        let response = GatewayResponse(status: upstreamResponse.status, headers: headers, body: upstreamResponse.body)
        guard policy.storePolicy.stores(upstreamResponse.status) else {
            await release(key, claim, events: &events)
            return PipelineResult(response: response, outcome: .notStored, keyDigest: key.digest,
                                  upstreamStatus: upstreamResponse.status, events: events)
        }
        let snapshot = upstreamResponse.body.count <= settings.maxStoredBody
            ? Snapshot(status: response.status, headers: headers, body: response.body)
            : Snapshot(status: response.status, headers: [], body: [], bodyKept: false)
        await complete(key, claim, snapshot: snapshot, ttl: policy.ttl, events: &events)
        return PipelineResult(response: response, outcome: .executed, keyDigest: key.digest,
                              upstreamStatus: upstreamResponse.status, events: events)
    }

    private func passThrough(_ request: GatewayRequest, route: Route, outcome: RequestOutcome) async -> PipelineResult {
        do {
            let upstreamResponse = try await transport.send(ForwardedRequest.make(request, upstream: route.upstream))
            let response = GatewayResponse(status: upstreamResponse.status,
                                           headers: ForwardedRequest.responseHeaders(upstreamResponse.headers),
                                           body: upstreamResponse.body)
            return PipelineResult(response: response, outcome: outcome, upstreamStatus: upstreamResponse.status)
        } catch {
            return PipelineResult(response: Self.problem(for: error, upstream: route.upstream.name).response,
                                  outcome: .upstreamError, events: [.upstreamFailure(error.kind, message: error.message)])
        }
    }

    /// Settling is retried twice: the upstream has executed, and a snapshot
    /// that is not stored means a retry after the lease executes again.
    private func complete(_ key: StoreKey, _ claim: PendingClaim, snapshot: Snapshot, ttl: Duration, events: inout [PipelineEvent]) async {
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

    /// A release that fails leaves the claim to expire with its lease.
    private func release(_ key: StoreKey, _ claim: PendingClaim, events: inout [PipelineEvent]) async {
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

    static func problem(for failure: UpstreamFailure, upstream: String) -> Problem {
        switch failure.kind {
        case .connect: return Problems.upstreamUnreachable(upstream: upstream)
        case .timeout: return Problems.upstreamTimeout(upstream: upstream)
        case .protocolError: return Problems.upstreamFailed(upstream: upstream)
        }
    }
}
