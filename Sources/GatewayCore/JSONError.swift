/// Why a request body is not usable JSON: the parser's and the canonical
/// form's refusals, with the byte offset when there is one, so the
/// `body-not-json` problem can tell the client where to look.
public struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset into the body, or nil for a refusal of a whole value.
    public let offset: Int?
    public let reason: String

    public init(offset: Int?, _ reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String {
        offset.map { "\(reason) at byte \($0)" } ?? reason
    }
}
