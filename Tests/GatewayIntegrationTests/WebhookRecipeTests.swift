import Foundation
import Testing

/// The consumer recipes of docs/recipes.md, each against the real binary,
/// Redis and the counting upstream, with a delivery shaped as its sender
/// sends it: a redelivery is replayed with the first answer's bytes, and
/// the consumer behind the gateway runs once.
@Suite(.serialized)
struct WebhookRecipeTests {
    /// The first delivery runs; the redelivery is replayed byte for byte.
    private func expectReplay(_ first: TestResponse, _ redelivery: TestResponse) {
        #expect(first.status == 201)
        #expect(first.header("Idempotent-Replayed") == nil)
        #expect(redelivery.status == 201)
        #expect(redelivery.header("Idempotent-Replayed") == "true")
        #expect(redelivery.body == first.body)
    }

    @Test func gitHubDeliveryIsKeyedByItsDeliveryHeader() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let first = try await f.deliver("/hooks/github", body: WebhookPayloads.gitHubPush, headers: WebhookPayloads.gitHubHeaders())
        let redelivery = try await f.deliver("/hooks/github", body: WebhookPayloads.gitHubPush, headers: WebhookPayloads.gitHubHeaders())
        expectReplay(first, redelivery)
        #expect(f.ledger.totalExecutions == 1)
        // The upstream saw GitHub's headers untouched.
        #expect(f.ledger.requests.first?.header("X-GitHub-Delivery") == "72d3162e-cc78-11e3-81ab-4c9367dc0958")

        let next = try await f.deliver("/hooks/github", body: WebhookPayloads.gitHubPush,
                                       headers: WebhookPayloads.gitHubHeaders(delivery: "9a1b2c3d-cc78-11e3-81ab-4c9367dc0958"))
        #expect(next.status == 201)
        #expect(next.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.totalExecutions == 2)
        await f.shutdown()
    }

    /// Stripe's event id is in the body; a retry has a new Stripe-Signature
    /// and may carry another `pending_webhooks` count or serialisation.
    @Test func stripeEventIsKeyedByItsIdAndIgnoresPerAttemptFields() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let first = try await f.deliver("/hooks/stripe", body: WebhookPayloads.stripeEvent(pendingWebhooks: 2),
                                        headers: WebhookPayloads.stripeHeaders(attempt: 1))
        let retry = try await f.deliver("/hooks/stripe", body: WebhookPayloads.stripeEvent(pendingWebhooks: 1, indent: true),
                                        headers: WebhookPayloads.stripeHeaders(attempt: 2))
        expectReplay(first, retry)
        #expect(f.ledger.totalExecutions == 1)
        let keys = try await f.redisKeys()
        #expect(keys.count == 1)
        if let key = keys.first {
            let ttl = try await f.redisPTTL(key)
            #expect(ttl > 71 * 3_600_000 && ttl <= 72 * 3_600_000)
        }

        // The same event id with a different payload is a different request.
        let tampered = WebhookPayloads.stripeEvent().replacingOccurrences(of: #""amount":2000"#, with: #""amount":9000"#)
        let reused = try await f.deliver("/hooks/stripe", body: tampered, headers: WebhookPayloads.stripeHeaders(attempt: 3))
        #expect(reused.status == 422)
        #expect(f.ledger.totalExecutions == 1)

        let other = try await f.deliver("/hooks/stripe", body: WebhookPayloads.stripeEvent(id: "evt_1PqR9aLkdIwHu7ixZz998877"),
                                        headers: WebhookPayloads.stripeHeaders(attempt: 1))
        #expect(other.status == 201)
        #expect(f.ledger.totalExecutions == 2)
        await f.shutdown()
    }

    /// Senders retry on a timeout while the first delivery still runs:
    /// concurrent copies of one event run the consumer once; the others get
    /// 409 (the sender retries later) or, once it is stored, the replay.
    @Test func concurrentCopiesOfOneEventRunOnce() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let headers = WebhookPayloads.stripeHeaders(attempt: 1) + [("X-Upstream-Delay-Ms", "300")]
        let port = f.port
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for attempt in 0..<8 {
                let body = Array(WebhookPayloads.stripeEvent(pendingWebhooks: attempt, indent: attempt.isMultiple(of: 2)).utf8)
                group.addTask {
                    try await TestHTTPClient.send(port: port, path: "/hooks/stripe", headers: headers, body: body).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses.filter { $0 == 201 }.count >= 1)
        #expect(statuses.allSatisfy { $0 == 201 || $0 == 409 })
        #expect(f.ledger.totalExecutions == 1)
        await f.shutdown()
    }

    /// SNS posts JSON as text/plain; the key is the body's MessageId.
    @Test func snsNotificationIsKeyedByItsMessageId() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let first = try await f.deliver("/hooks/sns", body: WebhookPayloads.snsNotification(), headers: WebhookPayloads.snsHeaders())
        let redelivery = try await f.deliver("/hooks/sns", body: WebhookPayloads.snsNotification(), headers: WebhookPayloads.snsHeaders())
        expectReplay(first, redelivery)
        #expect(f.ledger.totalExecutions == 1)
        #expect(f.ledger.requests.first?.body == Array(WebhookPayloads.snsNotification().utf8))
        await f.shutdown()
    }

    /// Pub/Sub push: the key is `/message/messageId`; `deliveryAttempt`
    /// grows on each redelivery and is left out of the fingerprint.
    @Test func pubSubPushIsKeyedByTheMessageIdAcrossDeliveryAttempts() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let headers = [("Content-Type", "application/json"), ("User-Agent", "APIs-Google; (+https://developers.google.com/webmasters/APIs-Google.html)")]
        let first = try await f.deliver("/hooks/pubsub", body: WebhookPayloads.pubSubPush(deliveryAttempt: 1), headers: headers)
        let second = try await f.deliver("/hooks/pubsub", body: WebhookPayloads.pubSubPush(deliveryAttempt: 2), headers: headers)
        let third = try await f.deliver("/hooks/pubsub", body: WebhookPayloads.pubSubPush(deliveryAttempt: 5), headers: headers)
        expectReplay(first, second)
        expectReplay(first, third)
        #expect(f.ledger.totalExecutions == 1)
        await f.shutdown()
    }

    /// CloudEvents binary mode: `ce-id` is the key, scoped by `ce-source`
    /// because an id is only unique within its source.
    @Test func cloudEventBinaryIsKeyedByCeIdWithinItsSource() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let path = "/hooks/cloudevents/binary"
        let first = try await f.deliver(path, body: WebhookPayloads.cloudEventBinaryData, headers: WebhookPayloads.cloudEventBinaryHeaders())
        let redelivery = try await f.deliver(path, body: WebhookPayloads.cloudEventBinaryData, headers: WebhookPayloads.cloudEventBinaryHeaders())
        expectReplay(first, redelivery)
        #expect(f.ledger.totalExecutions == 1)

        let otherSource = try await f.deliver(path, body: WebhookPayloads.cloudEventBinaryData,
                                              headers: WebhookPayloads.cloudEventBinaryHeaders(source: "/sensors/tn-1234567/alerts"))
        #expect(otherSource.status == 201)
        #expect(otherSource.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.totalExecutions == 2)
        await f.shutdown()
    }

    /// CloudEvents structured mode: the event, id included, is the body.
    @Test func cloudEventStructuredIsKeyedByItsId() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let headers = [("Content-Type", "application/cloudevents+json; charset=UTF-8")]
        let path = "/hooks/cloudevents/structured"
        let first = try await f.deliver(path, body: WebhookPayloads.cloudEventStructured(), headers: headers)
        let redelivery = try await f.deliver(path, body: WebhookPayloads.cloudEventStructured(), headers: headers)
        expectReplay(first, redelivery)
        #expect(f.ledger.totalExecutions == 1)
        await f.shutdown()
    }

    /// For a consumer the dedupe window is `ttl`: a redelivery after it
    /// runs again.
    @Test func theDedupeWindowIsTheTTL() async throws {
        let f = try await GatewayFixture(routes: GatewayFixture.webhookRoutes)
        let event = WebhookPayloads.cloudEventStructured(id: "window-1")
        let headers = [("Content-Type", "application/cloudevents+json")]
        let first = try await f.deliver("/hooks/window", body: event, headers: headers)
        let inside = try await f.deliver("/hooks/window", body: event, headers: headers)
        expectReplay(first, inside)
        try await Task.sleep(for: .milliseconds(1_300))
        let after = try await f.deliver("/hooks/window", body: event, headers: headers)
        #expect(after.status == 201)
        #expect(after.header("Idempotent-Replayed") == nil)
        #expect(f.ledger.totalExecutions == 2)
        await f.shutdown()
    }
}
