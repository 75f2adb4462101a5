/// The idempotency logic for one request, as the phases of ARCHITECTURE.md:
/// admit → claim → guard → forward → settle. Respond and record stay in the
/// server. The store and the transport are protocols, so every decision is
/// unit-testable with `MemoryStore`, a fake transport and an injected clock.
///
/// Each phase lives in its own file (`RequestPipeline+Admit` and so on);
/// this one reads the path from start to end and builds every result.
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

    let store: any IdempotencyStore
    let transport: any UpstreamTransport
    let guards: [String: UpstreamGuard]
    let settings: Settings
    let now: @Sendable () -> ContinuousClock.Instant
    let sleep: @Sendable (Duration) async -> Void
    let leases: LeaseKeeper
    let operations = OperationCounter()
    /// Reports an async operation's settling, which no client response
    /// carries: the server logs and counts its events as for a request.
    let onOperationSettled: @Sendable (PipelineResult, Route, GatewayRequest) -> Void

    public init(
        store: any IdempotencyStore,
        transport: any UpstreamTransport,
        guards: [String: UpstreamGuard] = [:],
        settings: Settings = Settings(),
        now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now },
        sleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        renewalSleep: @escaping @Sendable (Duration) async -> Void = { try? await Task.sleep(for: $0) },
        onOperationSettled: @escaping @Sendable (PipelineResult, Route, GatewayRequest) -> Void = { _, _, _ in }
    ) {
        self.onOperationSettled = onOperationSettled
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
            return await unclaimed(request, route: route, outcome: .passthrough)
        }
        let key: StoreKey
        let pending: PendingClaim
        let admission = Self.admitsOffLoop(request.body.count, policy: policy)
            ? await Task.detached { self.admit(request, policy: policy, route: route) }.value
            : admit(request, policy: policy, route: route)
        switch admission {
        case .keyed(let admittedKey, let admittedClaim):
            (key, pending) = (admittedKey, admittedClaim)
        case .unkeyed:
            return await unclaimed(request, route: route, outcome: .passthrough)
        case .refused(let problem, let outcome):
            if policy.mode == .shadow, let verdict = ShadowVerdict(refusal: outcome) {
                return await unclaimed(request, route: route, outcome: .shadowed, events: [.shadow(verdict)])
            }
            return result(problem.response, outcome)
        }
        // Only a recorded trace reads the clock for its phases' spans. A claim
        // answered by the store (a replay, a conflict) is one `claim` phase;
        // one that fell back to pass-through also has the `forward` phase it
        // made inside it.
        let timed = request.trace?.recorded == true
        let claimStart = timed ? now() : nil
        switch await claim(request, route: route, policy: policy, key: key, pending: pending) {
        case .answered(var answer):
            if let claimStart { answer.phases.insert(PhaseTiming("claim", start: claimStart, end: now()), at: 0) }
            return answer
        case .owned(let claimed):
            if let after = policy.asyncAfter, let operation = claimed.claim.operation {
                return await runOperation(claimed, operation: operation, after: after)
            }
            let forwardStart = timed ? now() : nil
            let call = await forward(claimed)
            let settleStart = timed ? now() : nil
            var result = await settle(claimed, after: call)
            if let claimStart, let forwardStart, let settleStart {
                result.phases = [PhaseTiming("claim", start: claimStart, end: forwardStart),
                                 PhaseTiming("forward", start: forwardStart, end: settleStart),
                                 PhaseTiming("settle", start: settleStart, end: now())]
            }
            return result
        }
    }

    /// At the end of a shutdown that timed out: settles every claim whose
    /// upstream call is still running, while the store client is still
    /// open, so retries to another gateway do not wait out `lock_ttl`. A
    /// claim on an `on_ambiguous: hold` route stores `outcome-unknown`
    /// (cause `shutdown`); any other is released. Returns what was done.
    public func abandonHeldClaims() async -> [LeaseKeeper.Abandoned] {
        await leases.abandonAll()
    }

    /// Async operation calls still running or settling, which no connection
    /// waits for: a shutdown lets them finish (within its timeout) first.
    public var runningOperations: Int { operations.count }

    /// Guard and forward with no key: an unprotected route, an optional key
    /// left out, or a store that is down under `on_unavailable: pass_through`
    /// (then `key` and `events` say so in the result).
    func passThrough(_ request: GatewayRequest, route: Route, outcome: RequestOutcome,
                     key: StoreKey? = nil, events: [PipelineEvent] = []) async -> PipelineResult {
        let start = request.trace?.recorded == true ? now() : nil
        let call = await guardAndForward(request, route: route, fence: nil)
        var result = passedThrough(call, route: route, outcome: outcome, key: key, events: events)
        if let start { result.phases = [PhaseTiming("forward", start: start, end: now())] }
        return result
    }

    private func passedThrough(_ call: UpstreamCall, route: Route, outcome: RequestOutcome, key: StoreKey?,
                               events: [PipelineEvent]) -> PipelineResult {
        var events = events
        switch call.result {
        case .success(let upstreamResponse):
            return result(Self.response(to: upstreamResponse), outcome, key: key, call: call, events: events)
        case .failure(let failure):
            if case .failed(let error) = failure { events.append(.upstreamFailure(error.kind, message: error.message)) }
            return result(failure.problem(upstream: route.upstream.name).response, failure.outcome,
                          key: key, call: call, events: events)
        }
    }

    /// Every `PipelineResult` the pipeline returns is made here: the
    /// upstream's status and the call's duration come from `call`, the
    /// digest from `key`, so no path can forget one of them.
    func result(_ response: GatewayResponse, _ outcome: RequestOutcome, key: StoreKey? = nil, call: UpstreamCall? = nil,
                fence: UInt64? = nil, events: [PipelineEvent] = []) -> PipelineResult {
        PipelineResult(response: response, outcome: outcome, keyDigest: key?.digest, upstreamStatus: call?.response?.status,
                       upstreamDuration: call?.elapsed, fence: fence, events: events)
    }

    /// The client's view of an upstream response: hop-by-hop and
    /// gateway-owned headers removed.
    static func response(to upstreamResponse: UpstreamResponse) -> GatewayResponse {
        GatewayResponse(status: upstreamResponse.status, headers: ForwardedRequest.responseHeaders(upstreamResponse.headers),
                        body: upstreamResponse.body, bodyStream: upstreamResponse.bodyStream)
    }
}
