/// What the forward phase hands to settling: the upstream's response or why
/// there is none, and how long the call took (nil when the guard refused it,
/// so no call was made).
struct UpstreamCall: Sendable {
    var result: Result<UpstreamResponse, CallFailure>
    var elapsed: Duration?
    /// What lease renewal ran into while the call ran (a store error, a lost
    /// lease, a shutdown that settled the claim); empty for unkeyed calls.
    var renewal: [PipelineEvent] = []

    /// The response, when the upstream answered.
    var response: UpstreamResponse? {
        if case .success(let response) = result { return response }
        return nil
    }
}
