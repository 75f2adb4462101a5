import CoreMetrics
import Prometheus

/// A swift-metrics factory that creates Prometheus metrics with their HELP
/// text. swift-prometheus' own `PrometheusMetricsFactory` always passes an
/// empty help (2.4), and its registry refuses (fatally) a second creation of
/// a name with different help, so the factory cannot be mixed with
/// help-carrying registry calls: this one makes every handle through the
/// registry's public `make…(name:labels:…help:)` with `MetricHelp`'s text,
/// and leaves buckets and destruction to the wrapped factory's settings.
public struct DescribedMetricsFactory: MetricsFactory {
    public let base: PrometheusMetricsFactory

    public init(_ base: PrometheusMetricsFactory) { self.base = base }

    private var registry: PrometheusCollectorRegistry { base.registry }

    public func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: MetricHelp.text(for: label))
    }

    public func makeFloatingPointCounter(label: String, dimensions: [(String, String)]) -> any FloatingPointCounterHandler {
        registry.makeCounter(name: label, labels: dimensions, help: MetricHelp.text(for: label))
    }

    public func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        let help = MetricHelp.text(for: label)
        guard aggregate else { return registry.makeGauge(name: label, labels: dimensions, help: help) }
        let buckets = base.valueHistogramBuckets[label] ?? base.defaultValueHistogramBuckets
        return registry.makeValueHistogram(name: label, labels: dimensions, buckets: buckets, help: help)
    }

    public func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        registry.makeGauge(name: label, labels: dimensions, help: MetricHelp.text(for: label))
    }

    public func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        let buckets = base.durationHistogramBuckets[label] ?? base.defaultDurationHistogramBuckets
        return registry.makeDurationHistogram(name: label, labels: dimensions, buckets: buckets, help: MetricHelp.text(for: label))
    }

    public func destroyCounter(_ handler: any CounterHandler) { base.destroyCounter(handler) }
    public func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) { base.destroyFloatingPointCounter(handler) }
    public func destroyRecorder(_ handler: any RecorderHandler) { base.destroyRecorder(handler) }
    public func destroyMeter(_ handler: any MeterHandler) { base.destroyMeter(handler) }
    public func destroyTimer(_ handler: any TimerHandler) { base.destroyTimer(handler) }
}
