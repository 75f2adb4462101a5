/// The pipeline's answer for one request.
public struct PipelineResult: Sendable {
    public var response: GatewayResponse
    public var outcome: RequestOutcome
    /// The store key's digest when the request had a valid key: logged in
    /// place of the key itself.
    public var keyDigest: String?
    /// The upstream's status when it was called and answered.
    public var upstreamStatus: Int?
    /// How long the upstream call took, when one was made.
    public var upstreamDuration: Duration?
    /// The fencing number of the claim this request executed under.
    public var fence: UInt64?
    public var events: [PipelineEvent]
    /// The phases this request went through, timed only when its trace is
    /// recorded; empty otherwise.
    public var phases: [PhaseTiming] = []

    public init(response: GatewayResponse, outcome: RequestOutcome, keyDigest: String? = nil, upstreamStatus: Int? = nil,
                upstreamDuration: Duration? = nil, fence: UInt64? = nil, events: [PipelineEvent] = []) {
        self.response = response
        self.outcome = outcome
        self.keyDigest = keyDigest
        self.upstreamStatus = upstreamStatus
        self.upstreamDuration = upstreamDuration
        self.fence = fence
        self.events = events
    }
}
