/// Proof that the breaker allowed one call. Its outcome is reported against
/// the generation that issued it: every transition starts a new generation,
/// so the late result of a slow call that started while closed cannot close a
/// breaker that has since opened and half-opened, or re-open one that closed.
///
/// Hand each permit back exactly once, with `record` or `cancel`.
public struct CircuitBreakerPermit: Sendable, Hashable {
    /// Whether this call is one of the half-open probes that decide between
    /// closing and re-opening.
    public let isProbe: Bool
    /// The breaker generation the permit was issued in.
    public let generation: UInt64

    /// Only the breaker issues permits, so a caller cannot forge a probe.
    init(isProbe: Bool, generation: UInt64) {
        self.isProbe = isProbe
        self.generation = generation
    }
}
