extension RequestPipeline {
    /// Phase 7: the status policy decides between storing the answer and
    /// releasing the claim; a call that got no answer is settled by
    /// `settleFailure`. Every store write checks the claim's owner token.
    ///
    /// `beforeRelease` runs with the client's answer just before a claim is
    /// released (a published async operation records it there first, so no
    /// poll finds the key empty before the operation has its answer).
    func settle(_ claimed: ClaimedRequest, after call: UpstreamCall,
                beforeRelease: (@Sendable (GatewayResponse) async -> [PipelineEvent])? = nil) async -> PipelineResult {
        var events = call.renewal
        let upstreamResponse: UpstreamResponse
        switch call.result {
        case .success(let response): upstreamResponse = response
        case .failure(let failure):
            return await settleFailure(failure, claimed, call: call, events: events, beforeRelease: beforeRelease)
        }
        let response = Self.response(to: upstreamResponse)
        guard claimed.policy.storePolicy.stores(upstreamResponse.status) else {
            if let beforeRelease { events += await beforeRelease(response) }
            await release(claimed, events: &events)
            return result(response, .notStored, key: claimed.key, call: call, fence: claimed.claim.fence, events: events)
        }
        // A streamed body is over the limit by definition: settled now, before it streams.
        let snapshot = !upstreamResponse.isStreamed && upstreamResponse.body.count <= settings.maxStoredBody
            ? Snapshot(status: response.status, headers: response.headers, body: response.body)
            : Snapshot(status: response.status, headers: [], body: [], bodyKept: false)
        await complete(claimed, snapshot: snapshot, events: &events)
        return result(response, .executed, key: claimed.key, call: call, fence: claimed.claim.fence, events: events)
    }

    /// Settles a claim whose call got no response, before answering, so a
    /// retry the client sends the moment it reads the error finds the key
    /// free (released) or finds the stored answer (held). Only a failure
    /// that may have reached the upstream is ever held: one that provably
    /// did not is released whatever `on_ambiguous` says, a retry being safe.
    private func settleFailure(_ failure: CallFailure, _ claimed: ClaimedRequest, call: UpstreamCall, events: [PipelineEvent],
                               beforeRelease: (@Sendable (GatewayResponse) async -> [PipelineEvent])?) async -> PipelineResult {
        var events = events
        if case .failed(let error) = failure {
            events.append(.upstreamFailure(error.kind, message: error.message))
        }
        var answer = failure.problem(upstream: claimed.upstream).response
        switch (failure.ambiguousCause, claimed.policy.onAmbiguous) {
        case (let cause?, .hold):
            events.append(.ambiguousOutcome(cause, held: true))
            answer = await hold(claimed, cause: cause, events: &events)
        case (let cause, _):
            if let cause { events.append(.ambiguousOutcome(cause, held: false)) }
            if let beforeRelease { events += await beforeRelease(answer) }
            await release(claimed, events: &events)
        }
        return result(answer, failure.outcome, key: claimed.key, call: call, fence: claimed.claim.fence, events: events)
    }

    /// Stores `outcome-unknown` as the key's answer and returns it, so the
    /// first client gets exactly what every retry will replay (minus
    /// `Idempotent-Replayed`). A timeout says 502 too, not 504: the answer
    /// is the gateway's final word on the key, not a gateway timeout a
    /// client might retry past. If storing fails, the claim expires with its
    /// lease and a retry executes again (logged as a settle failure).
    private func hold(_ claimed: ClaimedRequest, cause: AmbiguousCause, events: inout [PipelineEvent]) async -> GatewayResponse {
        let answer = Problems.outcomeUnknown(upstream: claimed.upstream, cause: cause).response
        await complete(claimed, snapshot: Snapshot(status: answer.status, headers: answer.headers, body: answer.body),
                       events: &events)
        return answer
    }

    /// Settling is retried twice: the upstream has executed, and a snapshot
    /// that is not stored means a retry after the lease executes again.
    private func complete(_ claimed: ClaimedRequest, snapshot: Snapshot, events: inout [PipelineEvent]) async {
        guard !events.contains(.claimAbandoned) else { return }
        for attempt in 0..<3 {
            do {
                if try await store.complete(claimed.key, claimed.claim, snapshot: snapshot, ttl: claimed.policy.ttl) {
                    events.append(.stored(bytes: snapshot.body.count))
                } else {
                    events.append(.leaseLost)
                }
                return
            } catch {
                events.append(.storeError(operation: "complete", reason: error.reason))
                if attempt < 2 { await sleep(.milliseconds(50 << (attempt * 2))) }
            }
        }
    }

    /// A release that fails leaves the claim to expire with its lease.
    private func release(_ claimed: ClaimedRequest, events: inout [PipelineEvent]) async {
        guard !events.contains(.claimAbandoned) else { return }
        do {
            if try await !store.release(claimed.key, claimed.claim) { events.append(.leaseLost) }
        } catch {
            events.append(.storeError(operation: "release", reason: error.reason))
        }
    }
}
