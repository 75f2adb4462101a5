internal import Yams

/// The `tracing` section.
extension ConfigReader {
    static let tracingFields = ["otlp_endpoint", "service_name", "sample_ratio"]

    /// Nil when the section is absent (no export) or has problems (reported).
    func tracing(_ map: FieldMap) -> TracingConfiguration? {
        guard let node = map["tracing"], let tracing = fields(of: node, at: map.path("tracing"), known: Self.tracingFields)
        else { return nil }
        let endpoint = required(tracing, "otlp_endpoint").flatMap { node -> String? in
            let path = tracing.path("otlp_endpoint")
            guard let text = text(node, at: path, expected: "an http:// URL such as http://collector:4318") else { return nil }
            switch UpstreamURL.validated(text) {
            case .success(let url) where url.hasPrefix("http://"):
                return url.hasSuffix("/") ? String(url.dropLast()) : url
            case .success:
                report(path, "only http:// is supported for OTLP export; run a collector or sidecar on a private network")
                return nil
            case .failure(let error):
                report(path, error.message)
                return nil
            }
        }
        let serviceName = optional(tracing, "service_name", default: TracingConfiguration.defaultServiceName) { node, path in
            guard let name = text(node, at: path, expected: "a service name") else { return nil }
            checkName(name, at: path)
            return name
        }
        let ratio = optional(tracing, "sample_ratio", default: 1.0) { node, path -> Double? in
            guard let value = number(node, at: path, expected: "a number from 0 to 1") else { return nil }
            guard value >= 0, value <= 1 else {
                report(path, "\(value) is not a ratio; use a number from 0 (none) to 1 (every new trace)")
                return nil
            }
            return value
        }
        guard let endpoint, let serviceName, let ratio else { return nil }
        return TracingConfiguration(otlpEndpoint: endpoint, serviceName: serviceName, sampleRatio: ratio)
    }
}
