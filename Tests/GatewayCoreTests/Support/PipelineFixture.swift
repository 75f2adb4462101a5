import GatewayCore
import GatewayTestSupport

/// A pipeline over a `MemoryStore` and a `FakeTransport`, with one
/// idempotent route `charges` (prefix `/v1/charges`, upstream `payments`).
struct PipelineFixture {
    static let upstream = UpstreamSettings(name: "payments", baseURL: "http://upstream.test:9000")

    let clock: ManualClock
    let store: MemoryStore
    let transport: FakeTransport
    let pipeline: RequestPipeline
    let route: Route

    init(
        policy: IdempotencyPolicy? = IdempotencyPolicy(),
        settings: RequestPipeline.Settings = RequestPipeline.Settings(),
        transport: FakeTransport = FakeTransport(),
        store: (any IdempotencyStore)? = nil,
        sleep: (@Sendable (ManualClock, Duration) async -> Void)? = nil,
        renewals: RenewalTicker? = nil
    ) {
        let clock = ManualClock()
        self.clock = clock
        self.transport = transport
        let memory = MemoryStore(now: clock.nowFunction)
        self.store = memory
        route = Route(name: "charges", match: RouteMatch(path: .prefix("/v1/charges")),
                      upstream: Self.upstream, idempotency: policy)
        // Sleeping moves the manual clock: deadlines pass without real waiting.
        let sleep = sleep ?? { clock, duration in
            clock.advance(by: duration)
            await Task.yield()
        }
        // Renewals sleep for real unless a test ticks them: a real sleep of
        // lock_ttl/3 simply ends, cancelled, when the upstream call does.
        let renewalSleep: @Sendable (Duration) async -> Void = if let renewals {
            { await renewals.sleep($0) }
        } else {
            { try? await Task.sleep(for: $0) }
        }
        pipeline = RequestPipeline(store: store ?? memory, transport: transport, settings: settings,
                                   now: clock.nowFunction, sleep: { await sleep(clock, $0) }, renewalSleep: renewalSleep)
    }

    /// A pipeline that runs on real time: real clock, real sleeps. `polls`
    /// gets one entry per wait-mode pause, so a test knows a waiter is waiting.
    static func realTime(policy: IdempotencyPolicy, transport: FakeTransport) -> (PipelineFixture, RequestPipeline, polls: LockedList<Duration>) {
        let fixture = PipelineFixture(policy: policy, transport: transport)
        let polls = LockedList<Duration>()
        let pipeline = RequestPipeline(store: fixture.store, transport: transport, sleep: { pause in
            polls.append(pause)
            try? await Task.sleep(for: pause)
        })
        return (fixture, pipeline, polls)
    }

    func handle(_ request: GatewayRequest) async -> PipelineResult {
        await pipeline.handle(request, route: route)
    }

    /// The store key the pipeline uses for `key` with no scope headers.
    func storeKey(_ key: String, scope: [String?] = []) -> StoreKey {
        StoreKey(prefix: "idem", route: route.name, scope: scope, key: try! IdempotencyKey.parse(key).get())
    }
}

/// A POST to the charges route.
func charge(
    key: String? = "key-1", body: String = #"{"amount":100}"#, method: String = "POST",
    path: String = "/v1/charges", query: String? = nil, headers: [HeaderField] = []
) -> GatewayRequest {
    var all = headers
    if let key { all.append(HeaderField(name: "Idempotency-Key", value: key)) }
    all.append(HeaderField(name: "Content-Type", value: "application/json"))
    return GatewayRequest(method: method, path: path, query: query, headers: all, body: Array(body.utf8), clientAddress: "192.0.2.1")
}

extension GatewayResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
    var isReplay: Bool { headers.values(named: "Idempotent-Replayed") == ["true"] }
}
