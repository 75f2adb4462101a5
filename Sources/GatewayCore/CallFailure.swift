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

    /// Nil when the request provably never reached the upstream (the guard
    /// refused it, or no connection was made), so a retry is safe; otherwise
    /// why the outcome is unknown. Only a connect failure proves that nothing
    /// was sent: a timeout or a broken connection may come after the
    /// upstream read the whole request.
    var ambiguousCause: AmbiguousCause? {
        switch self {
        case .refused: return nil
        case .failed(let failure):
            switch failure.kind {
            case .connect: return nil
            case .timeout: return .timeout
            case .protocolError: return .protocolError
            }
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
