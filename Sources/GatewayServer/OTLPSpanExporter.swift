import GatewayCore
import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// `tracing.otlp_endpoint`: sends the spans of recorded requests to an
/// OpenTelemetry collector as OTLP/HTTP JSON (`POST {endpoint}/v1/traces`).
///
/// A request only appends its spans to a bounded buffer under a short lock;
/// a background loop sends them in batches once a second, through the
/// gateway's libcurl transport, so no request ever waits on the collector.
/// When the collector is down or slow the buffer fills and further spans
/// are dropped and counted (`tracing_spans_dropped_total`); requests are
/// not affected. Written here rather than taken from swift-otel, whose
/// OTLP/HTTP exporter would add minutes to every clean build (docs/operations.md).
public final class OTLPSpanExporter: Service, Sendable {
    /// Spans held while the collector is unreachable; about 1 MiB.
    static let capacity = 4096
    /// Spans per export request.
    static let batchSize = 512
    static let interval = Duration.seconds(1)

    private let pending = Mutex<[SpanRecord]>([])
    private let failing = Atomic<Bool>(false)
    private let transport: any UpstreamTransport
    private let url: String
    private let serviceName: String
    private let sampleRatio: Double
    private let logger: Logger
    private let exported = Counter(label: "tracing_spans_exported_total")
    private let dropped = Counter(label: "tracing_spans_dropped_total")
    let clock = SpanClock()

    /// - Parameter endpoint: the collector's base URL, without `/v1/traces`.
    public init(endpoint: String, serviceName: String, sampleRatio: Double, transport: any UpstreamTransport, logger: Logger) {
        self.url = endpoint + "/v1/traces"
        self.serviceName = serviceName
        self.sampleRatio = sampleRatio
        self.transport = transport
        self.logger = logger
    }

    /// Whether a trace the gateway starts is recorded: a fixed share of the
    /// (uniformly mixed) low half of its id, so every gateway decides the
    /// same way for the same id.
    func samples(traceLow: UInt64) -> Bool {
        sampleRatio >= 1 || Double(traceLow >> 11) * 0x1p-53 < sampleRatio
    }

    /// Queues a request's spans; drops them when the buffer is full.
    func submit(_ spans: [SpanRecord]) {
        let accepted = pending.withLock { buffer in
            guard buffer.count + spans.count <= Self.capacity else { return false }
            buffer.append(contentsOf: spans)
            return true
        }
        if !accepted { dropped.increment(by: spans.count) }
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: Self.interval)
            await flush()
        }
        // The proxy stopped first (services stop in reverse order): what its
        // last requests recorded goes out now.
        await flush()
    }

    /// Sends everything buffered, a batch at a time; after a failed batch
    /// the rest is dropped, so an unreachable collector costs one timeout
    /// per second (and at shutdown), not one per batch.
    func flush() async {
        let spans = pending.withLock { buffer in
            let taken = buffer
            buffer.removeAll(keepingCapacity: true)
            return taken
        }
        var start = 0
        while start < spans.count {
            let batch = Array(spans[start..<min(start + Self.batchSize, spans.count)])
            start += batch.count
            guard await send(batch) else {
                dropped.increment(by: spans.count - start)
                return
            }
        }
    }

    /// Whether the collector took the batch.
    private func send(_ batch: [SpanRecord]) async -> Bool {
        let request = UpstreamRequest(url: url, method: "POST", headers: [HeaderField(name: "Content-Type", value: "application/json")],
                                      body: OTLPJSON.exportRequest(batch, serviceName: serviceName), timeout: .seconds(5),
                                      connectTimeout: .seconds(2), upstreamName: "otlp")
        let problem: String?
        do {
            let response = try await transport.send(request)
            problem = (200..<300).contains(response.status) ? nil : "collector answered \(response.status)"
        } catch {
            problem = error.message
        }
        guard let problem else {
            exported.increment(by: batch.count)
            if failing.exchange(false, ordering: .relaxed) { logger.notice("span export recovered") }
            return true
        }
        dropped.increment(by: batch.count)
        // Once per outage, not once a second.
        if !failing.exchange(true, ordering: .relaxed) {
            logger.warning("span export failed", metadata: ["reason": "\(problem)", "spans": .stringConvertible(batch.count)])
        }
        return false
    }
}
