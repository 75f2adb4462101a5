/// How the body enters a request's fingerprint.
public enum BodyFingerprintMode: String, Sendable, Hashable, CaseIterable {
    /// The bytes as sent: any change, even white space, is a different request.
    case raw
    /// The RFC 8785 canonical form of the JSON body: key order and white
    /// space do not count, and ignored members are left out.
    case json
}
