/// A route's `idempotency.fingerprint` block: what of the body decides
/// whether a retry is the same request. Webhook redeliveries and SDKs that
/// reorder keys send the same request in different bytes; `json` with
/// `ignore` lets those replay instead of getting 422.
public struct BodyFingerprint: Sendable, Hashable {
    public var body: BodyFingerprintMode = .raw
    /// Members (or array elements) removed before canonicalising; a pointer
    /// that finds nothing in a body removes nothing.
    public var ignore: [JSONPointer] = []

    public init(body: BodyFingerprintMode = .raw, ignore: [JSONPointer] = []) {
        self.body = body
        self.ignore = ignore
    }

    /// The canonical bytes a `json` fingerprint hashes.
    public func canonicalBody(_ root: JSONValue, capacity: Int = 0) throws(JSONError) -> [UInt8] {
        try CanonicalJSON.encode(ignore.reduce(root) { $1.removing(from: $0) }, capacity: capacity)
    }
}
