/// Sends requests to upstreams. The production transport is libcurl's multi
/// interface; tests of the pipeline use a fake.
public protocol UpstreamTransport: Sendable {
    func send(_ request: UpstreamRequest) async throws(UpstreamFailure) -> UpstreamResponse
}
