import ExampleUpstream
import Foundation
import Testing

/// Reloads swap the whole configuration at once: under concurrent requests
/// and repeated reloads, every request is served by one configuration's
/// route, policy and upstream together, never by a mix.
@Suite(.serialized)
struct ReloadConsistencyTests {
    /// `alpha`: keyed, to the fixture's upstream.
    static let alpha = """
        routes:
          - name: alpha
            match: { path_prefix: /v1/pay }
            upstream: main
            idempotency: { required: true, lock_ttl: 3s }
        """

    /// `beta`: the same path, unprotected, to the second upstream.
    static let beta = """
        routes:
          - name: beta
            match: { path_prefix: /v1/pay }
            upstream: other
        """

    @Test func noRequestSeesHalfAConfiguration() async throws {
        let f = try await GatewayFixture(routes: Self.alpha)
        let second = try await ExampleUpstreamServer.start()
        let upstreams = ReloadTests.other(port: second.port)
        // Both files name the same upstreams, so only the routes differ.
        let alphaFile = ReloadTests.config(f, routes: Self.alpha, extraUpstreams: upstreams)
        let betaFile = alphaFile.replacingOccurrences(of: Self.alpha, with: Self.beta)
        try f.gateway.rewriteConfig(alphaFile)
        #expect(try await f.gateway.reload().status == 200)

        let clients = 4
        let perClient = 60
        let port = f.port
        let requests = Task {
            try await withThrowingTaskGroup(of: [Int].self) { group in
                for client in 0..<clients {
                    group.addTask {
                        var statuses: [Int] = []
                        for n in 0..<perClient {
                            let response = try await TestHTTPClient.send(port: port, path: "/v1/pay",
                                                                         headers: [("Idempotency-Key", "c\(client)-\(n)")],
                                                                         body: Array("{}".utf8))
                            statuses.append(response.status)
                        }
                        return statuses
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
        }
        var reloads = 0
        var useBeta = true
        while !requests.isCancelled, reloads < 200 {
            try f.gateway.rewriteConfig(useBeta ? betaFile : alphaFile)
            let answer = try await f.gateway.reload()
            #expect(answer.status == 200)
            reloads += 1
            useBeta.toggle()
            if f.ledger.totalExecutions + second.ledger.totalExecutions >= clients * perClient { break }
            try await Task.sleep(for: .milliseconds(15))
        }
        let statuses = try await requests.value
        print("\(statuses.count) requests during \(reloads) reloads: \(f.ledger.totalExecutions) via alpha, \(second.ledger.totalExecutions) via beta")

        // Every request was served by some whole configuration: no 404 from
        // a moment without the route, no error from a route without its upstream.
        #expect(statuses.count == clients * perClient)
        #expect(statuses.allSatisfy { $0 == 201 })
        #expect(reloads >= 4)
        // Both configurations served some: the test saw the swap under load.
        #expect(f.ledger.totalExecutions > 0)
        #expect(second.ledger.totalExecutions > 0)
        #expect(f.ledger.totalExecutions + second.ledger.totalExecutions == clients * perClient)
        // Per request: alpha's upstream only ever got keyed calls (alpha's
        // policy, with a fence), beta's only unkeyed ones (beta's policy).
        #expect(f.ledger.requests.allSatisfy { $0.header("Idempotency-Fence") != nil })
        #expect(second.ledger.requests.allSatisfy { $0.header("Idempotency-Fence") == nil })
        // And each was counted under the route of the same configuration.
        let metrics = try await f.metrics()
        #expect(metrics.value("idempotency_requests_total", ["route": "alpha", "outcome": "executed"]) == Double(f.ledger.totalExecutions))
        #expect(metrics.value("idempotency_requests_total", ["route": "beta", "outcome": "passthrough"]) == Double(second.ledger.totalExecutions))
        #expect(metrics.value("idempotency_requests_total", ["route": "alpha", "outcome": "passthrough"]) == 0)
        #expect(metrics.value("idempotency_requests_total", ["route": "unmatched", "outcome": "rejected"]) == 0)
        #expect(try await f.redisKeys().count == f.ledger.totalExecutions)
        #expect(metrics.value("config_reload_total", ["result": "applied"]) == Double(reloads + 1))
        await second.stop()
        await f.shutdown()
    }
}
