import NIOConcurrencyHelpers
import Testing

/// Slowloris at twice `max_connections`: a normal client that connected
/// before the attack keeps getting fast answers, each slow connection that
/// got in is closed at `client_header_timeout` with a 408, and each one past
/// the cap is closed at once.
@Suite(.serialized)
struct SlowlorisTests {
    struct SlowOutcome: Sendable {
        var lifetime: Duration
        var status: Int?
    }

    @Test func aNormalClientStaysFastWhileSlowConnectionsAreCutOff() async throws {
        let f = try await GatewayFixture(limits: ClientTimeoutTests.limits)
        let normal = try await RawConnection.open(port: f.port)
        #expect(await normal.send("GET /ping HTTP/1.1\r\nHost: gw\r\n\r\n"))
        #expect(await normal.next()?.status == 201)

        let attackFor = Duration.seconds(3)
        let outcomes = NIOLockedValueBox<[SlowOutcome]>([])
        let port = f.port
        let attack = Task {
            await withTaskGroup(of: Void.self) { group in
                // 100 attackers against max_connections: 50, each
                // reconnecting once it is closed, for `attackFor`.
                let end = ContinuousClock.now + attackFor
                for _ in 0..<100 {
                    group.addTask {
                        while ContinuousClock.now < end {
                            guard let slow = try? await RawConnection.open(port: port) else { continue }
                            let start = ContinuousClock.now
                            await slow.send("POST /v1/refunds HTTP/1.1\r\nHost: gw\r\n")
                            // One header byte every 100 ms, never finishing.
                            while true {
                                try? await Task.sleep(for: .milliseconds(100))
                                guard slow.channel.isActive, await slow.send("X") else { break }
                            }
                            let closed = await slow.waitForClose(limit: .seconds(5)) ?? .now
                            let response = await slow.next()
                            slow.close()
                            // A refused attacker tries again half a second
                            // later: a steady 100 attackers, not a connect flood.
                            if response == nil { try? await Task.sleep(for: .milliseconds(500)) }
                            outcomes.withLockedValue { $0.append(SlowOutcome(lifetime: closed - start, status: response?.status)) }
                        }
                    }
                }
            }
        }

        var latencies: [Duration] = []
        let end = ContinuousClock.now + attackFor
        while ContinuousClock.now < end {
            let sent = ContinuousClock.now
            #expect(await normal.send("GET /ping HTTP/1.1\r\nHost: gw\r\n\r\n"))
            guard let response = await normal.next() else {
                Issue.record("the normal client's connection was closed")
                break
            }
            #expect(response.status == 201)
            latencies.append(.now - sent)
            try await Task.sleep(for: .milliseconds(5))
        }
        await attack.value

        latencies.sort()
        let p99 = latencies[min(latencies.count - 1, latencies.count * 99 / 100)]
        let all = outcomes.withLockedValue { $0 }
        let admitted = all.filter { $0.status != nil }
        let refused = all.filter { $0.status == nil }
        print("slowloris: normal client \(latencies.count) requests, p50 \(latencies[latencies.count / 2]), p99 \(p99); slow connections: \(admitted.count) cut off with 408 (lifetimes \(admitted.map(\.lifetime).min() ?? .zero) to \(admitted.map(\.lifetime).max() ?? .zero)), \(refused.count) refused (longest \(refused.map(\.lifetime).max() ?? .zero))")
        #expect(latencies.count > 50)
        #expect(p99 < .milliseconds(100))
        #expect(admitted.count >= 49)
        #expect(refused.count >= 50)
        for outcome in admitted {
            #expect(outcome.status == 408)
            #expect((.milliseconds(900)...(.milliseconds(2500))).contains(outcome.lifetime))
        }
        for outcome in refused {
            #expect(outcome.lifetime < .milliseconds(500))
        }
        #expect(f.ledger.totalExecutions == latencies.count + 1)
        normal.close()
        await f.shutdown()
    }
}
