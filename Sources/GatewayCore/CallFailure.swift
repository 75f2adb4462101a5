/// Why the pipeline got no upstream response: the guard refused the call
/// (nothing was sent), or the transport failed.
enum CallFailure: Error {
    case refused(UpstreamGuard.Refusal)
    case failed(UpstreamFailure)

    var outcome: RequestOutcome {
        switch self {
        case .refused(.circuitOpen): return .circuitOpen
        case .refused(.overloaded): return .overloaded
        case .failed: return .upstreamError
        }
    }

    func problem(upstream: String) -> Problem {
        switch self {
        case .refused(.circuitOpen(let retryAfter)): return Problems.circuitOpen(upstream: upstream, retryAfter: retryAfter)
        case .refused(.overloaded): return Problems.overloaded(upstream: upstream)
        case .failed(let failure):
            switch failure.kind {
            case .connect: return Problems.upstreamUnreachable(upstream: upstream)
            case .timeout: return Problems.upstreamTimeout(upstream: upstream)
            case .protocolError: return Problems.upstreamFailed(upstream: upstream)
            }
        }
    }
}
