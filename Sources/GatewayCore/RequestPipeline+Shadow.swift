extension RequestPipeline {
    /// What `enforce` would have answered instead of executing, or nil for
    /// an acquired claim (executed and settled as usual) and an unreadable
    /// record (forwarded by the claim phase with its own event, which has
    /// its own metric).
    static func shadowVerdict(_ answer: ClaimResult) -> ShadowVerdict? {
        switch answer {
        case .acquired, .corrupt: nil
        case .completed: .replay
        case .inFlight, .running: .conflict
        case .mismatch: .mismatch
        }
    }

    /// A shadow route's would-be replay, 409 or 422: forwarded without a
    /// claim, so the record already under the key (the first execution's,
    /// or the one in flight) stays as it is and nothing settles over it;
    /// the key header goes to the upstream as the client sent it.
    func shadowForward(_ request: GatewayRequest, route: Route, verdict: ShadowVerdict, key: StoreKey,
                       events: [PipelineEvent] = []) async -> PipelineResult {
        await passThrough(request, route: route, outcome: .shadowed, key: key, events: events + [.shadow(verdict)])
    }
}
