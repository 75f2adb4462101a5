extension RequestPipeline {
    /// Phases 5 and 6 for a claimed request: guarded and forwarded with the
    /// claim's fence while the lease keeper renews the lease every
    /// `lock_ttl / 3`, so a call slower than the lease keeps its key. The
    /// ticket is handed back here; what renewal ran into (a store error, a
    /// lost lease, a shutdown that settled the claim) goes to settling.
    func forward(_ claimed: ClaimedRequest) async -> UpstreamCall {
        var call = await guardAndForward(claimed.request, route: claimed.route, fence: claimed.claim.fence)
        call.renewal = leases.release(claimed.ticket)
        return call
    }

    /// The upstream's guard admits the call or refuses it, then the transport
    /// forwards it, and the guard learns how it went. A refused call has no
    /// duration: nothing was sent.
    func guardAndForward(_ request: GatewayRequest, route: Route, fence: UInt64?) async -> UpstreamCall {
        let start = now()
        let upstreamGuard = guards[route.upstream.name]
        var ticket: UpstreamGuard.Ticket?
        if let upstreamGuard {
            switch upstreamGuard.admit() {
            case .success(let admitted): ticket = admitted
            case .failure(let refusal): return UpstreamCall(result: .failure(.refused(refusal)), elapsed: nil)
            }
        }
        let result: Result<UpstreamResponse, CallFailure>
        do {
            var forwarded = ForwardedRequest.make(request, upstream: route.upstream, keyHeader: route.idempotency?.header,
                                                  keyed: fence != nil)
            if let fence { forwarded.headers.append(HeaderField(name: ForwardedRequest.fenceHeader, value: String(fence))) }
            // Every call, pass-through too: past this the body streams instead of being held.
            forwarded.bufferLimit = settings.maxStoredBody
            let response = try await transport.send(forwarded)
            if let upstreamGuard, let ticket { upstreamGuard.finish(ticket, status: response.status) }
            result = .success(response)
        } catch {
            if let upstreamGuard, let ticket { upstreamGuard.finish(ticket, status: nil) }
            result = .failure(.failed(error))
        }
        return UpstreamCall(result: result, elapsed: now() - start)
    }
}
