internal import GatewayCore

/// A request waiting for the curl thread, with the continuation of the task that
/// sent it. It is the only thing that crosses from callers to the curl thread, so
/// it holds Sendable values only.
struct CurlJob: Sendable {
    let request: UpstreamRequest
    let continuation: CheckedContinuation<Result<UpstreamResponse, UpstreamFailure>, Never>

    func fail(_ failure: UpstreamFailure) {
        continuation.resume(returning: .failure(failure))
    }
}
