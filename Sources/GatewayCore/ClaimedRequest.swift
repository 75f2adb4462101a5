/// A request that owns its key: what the phases after the claim (guard,
/// forward, settle) need, carried as one value instead of the same five
/// parameters through every step.
struct ClaimedRequest: Sendable {
    let request: GatewayRequest
    let route: Route
    let policy: IdempotencyPolicy
    let key: StoreKey
    /// The pending record as the store acquired it, fence included.
    let claim: PendingClaim
    /// The lease keeper's registration: renewal runs from the claim until
    /// the forward phase hands the ticket back.
    let ticket: LeaseKeeper.Ticket

    /// The upstream that answers for this request; named in problems.
    var upstream: String { route.upstream.name }
}
