/// A route's `idempotency` block, validated.
public struct IdempotencyPolicy: Sendable, Hashable {
    /// The request header that carries the key.
    public var header: String = "Idempotency-Key"
    /// When set, the key is the string or integer at this pointer in the
    /// JSON body (`key_json`), and `header` is not read.
    public var keyJSON: JSONPointer?
    /// What of the body the fingerprint covers.
    public var fingerprint: BodyFingerprint = BodyFingerprint()
    /// Methods that are deduplicated, upper case; others pass through.
    public var methods: Set<String> = ["POST", "PATCH"]
    /// A request with a deduplicated method and no key gets 400.
    public var required: Bool = false
    /// How long a completed response is replayed.
    public var ttl: Duration = .seconds(86_400)
    /// The lease of an in-flight claim. A gateway that dies mid-request frees
    /// its keys when this runs out.
    public var lockTTL: Duration = .seconds(60)
    /// Keys are separate per value of these headers (e.g. Authorization).
    public var scopeHeaders: [String] = []
    /// Headers that must match on a retry, besides method, path, query and body.
    public var fingerprintHeaders: [String] = []
    /// Which statuses are stored.
    public var storePolicy: StorePolicy = StorePolicy()
    /// Behaviour while the same key is in flight.
    public var onConflict: ConflictMode = .reject
    /// With `onConflict == .wait`, how long to wait before answering 409.
    public var waitTimeout: Duration = .seconds(10)
    /// What the claim becomes when the upstream call failed after sending.
    public var onAmbiguous: AmbiguousOutcomeMode = .release
    /// Enforce the store's answers, or only report them (`shadow`).
    public var mode: IdempotencyMode = .enforce

    /// `async.after`: a call still unanswered after this long becomes an
    /// operation the client polls (202 + Location). Nil: the client waits.
    public var asyncAfter: Duration?

    public init() {}

    /// Where the key comes from, as problem details name it.
    public var keySource: String {
        keyJSON.map { "body member \(JSONText.quote($0.text))" } ?? header
    }
}
