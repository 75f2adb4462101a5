/// What the admin listener needs of one request: the key API reads the
/// query, the `Authorization` headers and, for its audit line, the peer.
struct AdminRequest: Sendable {
    var method: String
    /// Without the query.
    var path: String
    var query: String?
    /// Every `Authorization` header, in order.
    var authorization: [String]
    /// The peer's address, for the audit line.
    var client: String
}
