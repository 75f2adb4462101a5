/// How the claim phase ended: the request owns its key and goes on to the
/// guard, or the store's answer (replay, 409, 422, 503, pass-through) is
/// already the response.
enum ClaimDecision: Sendable {
    case owned(ClaimedRequest)
    case answered(PipelineResult)
}
