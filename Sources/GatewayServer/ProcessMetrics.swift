import GatewayCore
import NIOConcurrencyHelpers
import Prometheus

/// `idempotency_gateway_build_info` and the standard `process_*` metrics,
/// made on the registry directly (with HELP) because their values are read,
/// not counted: `refresh()` runs before each `/metrics` answer.
public final class ProcessMetrics: Sendable {
    private let residentBytes: Gauge
    private let cpuSeconds: Counter
    private let openDescriptors: Gauge
    /// The CPU seconds already added to the counter. A Prometheus counter
    /// only increments, so each scrape adds the growth since the last; the
    /// lock keeps two concurrent scrapes from adding the same growth twice.
    private let countedCPU = NIOLockedValueBox(0.0)

    public init(registry: PrometheusCollectorRegistry, version: String = GatewayVersion.current) {
        func help(_ name: String) -> String { MetricHelp.text(for: name) }
        registry.makeGauge(name: "idempotency_gateway_build_info", labels: [("version", version)],
                           help: help("idempotency_gateway_build_info")).set(to: 1)
        residentBytes = registry.makeGauge(name: "process_resident_memory_bytes", help: help("process_resident_memory_bytes"))
        cpuSeconds = registry.makeCounter(name: "process_cpu_seconds_total", help: help("process_cpu_seconds_total"))
        openDescriptors = registry.makeGauge(name: "process_open_fds", help: help("process_open_fds"))
        if let started = ProcessFacts.startTime() {
            registry.makeGauge(name: "process_start_time_seconds", help: help("process_start_time_seconds")).set(to: started)
        }
        refresh()
    }

    /// Reads /proc now. Called from the admin endpoint's task, not from an
    /// event loop.
    public func refresh() {
        let facts = ProcessFacts.read()
        if let bytes = facts.residentBytes { residentBytes.set(to: bytes) }
        if let descriptors = facts.openDescriptors { openDescriptors.set(to: descriptors) }
        if let seconds = facts.cpuSeconds {
            countedCPU.withLockedValue { counted in
                guard seconds > counted else { return }
                cpuSeconds.increment(by: seconds - counted)
                counted = seconds
            }
        }
    }
}
