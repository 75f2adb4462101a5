/// The answer to one claim round trip.
public enum ClaimResult: Sendable, Hashable {
    /// The key was free; this request now owns it and must settle it.
    case acquired(PendingClaim)
    /// A response is stored for this key and fingerprint: replay it.
    case completed(Snapshot)
    /// Another request with the same fingerprint holds the key.
    case inFlight(remainingLease: Duration)
    /// As `inFlight`, on an `async` route: the holder's claim names the
    /// operation a retry is answered with once it is published.
    case running(OperationID, remainingLease: Duration)
    /// The key is held or completed by a request with another fingerprint.
    case mismatch
    /// The key holds bytes that are no record this version wrote. Neither
    /// free nor known to be done: the request is refused, not forwarded.
    case corrupt(bytes: Int)
}
