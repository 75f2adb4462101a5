/// A listener that could not bind. It names the configuration field and the
/// address, so an operator knows which port to free or change; the process
/// then exits non-zero rather than serve without it.
public struct ListenFailure: Error, CustomStringConvertible {
    /// `listen` or `admin.listen`.
    public let field: String
    public let address: String
    public let reason: String

    public init(field: String, host: String, port: Int, error: any Error) {
        self.field = field
        self.address = "\(host):\(port)"
        self.reason = "\(error)"
    }

    public var description: String { "cannot listen on \(address) (\(field)): \(reason)" }
}
