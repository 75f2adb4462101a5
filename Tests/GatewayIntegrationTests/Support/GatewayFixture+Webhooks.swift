/// Routes for the consumer recipes of docs/recipes.md (one per webhook
/// sender) and for JSON fingerprints, and a raw POST that sends exactly the
/// headers a sender sends.
extension GatewayFixture {
    static let webhookRoutes = """
        routes:
          - name: github
            match: { path_prefix: /hooks/github }
            upstream: main
            idempotency: { header: X-GitHub-Delivery, required: true, ttl: 72h, lock_ttl: 3s }
          - name: stripe
            match: { path_prefix: /hooks/stripe }
            upstream: main
            idempotency:
              key_json: /id
              required: true
              ttl: 72h
              lock_ttl: 3s
              fingerprint: { body: json, ignore: [/pending_webhooks, /request] }
          - name: sns
            match: { path_prefix: /hooks/sns }
            upstream: main
            idempotency: { key_json: /MessageId, required: true, ttl: 24h, lock_ttl: 3s }
          - name: pubsub
            match: { path_prefix: /hooks/pubsub }
            upstream: main
            idempotency:
              key_json: /message/messageId
              required: true
              ttl: 7d
              lock_ttl: 3s
              fingerprint: { body: json, ignore: [/deliveryAttempt] }
          - name: cloudevents-binary
            match: { path_prefix: /hooks/cloudevents/binary }
            upstream: main
            idempotency: { header: ce-id, scope_headers: [ce-source], required: true, lock_ttl: 3s }
          - name: cloudevents-structured
            match: { path_prefix: /hooks/cloudevents/structured }
            upstream: main
            idempotency: { key_json: /id, required: true, lock_ttl: 3s }
          - name: window
            match: { path_prefix: /hooks/window }
            upstream: main
            idempotency: { key_json: /id, required: true, ttl: 1s, lock_ttl: 3s }
          - name: json
            match: { path_prefix: /v1/json }
            upstream: main
            idempotency:
              lock_ttl: 3s
              fingerprint: { body: json, ignore: [/meta/sent_at, /attempt] }
          - name: body-key-optional
            match: { path_prefix: /v1/body-key-optional }
            upstream: main
            idempotency: { key_json: /order/id, lock_ttl: 3s }
          - name: body-key-required
            match: { path_prefix: /v1/body-key-required }
            upstream: main
            idempotency: { key_json: /order/id, required: true, lock_ttl: 3s }
          - name: plain
            match: { path_prefix: / }
            upstream: main
        """

    /// A POST with exactly these headers (no Idempotency-Key, and the
    /// sender's own Content-Type).
    func deliver(_ path: String, body: String, headers: [(String, String)]) async throws -> TestResponse {
        do {
            return try await TestHTTPClient.send(port: port, method: "POST", path: path, headers: headers, body: Array(body.utf8))
        } catch {
            throw GatewayRequestFailed(error: error, gatewayRunning: gateway.isRunning, log: GatewayProcess.excerpt(of: gateway.log))
        }
    }
}
