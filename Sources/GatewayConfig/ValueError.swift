/// Why a single scalar value is unusable. The parsers of addresses and URLs
/// know what is wrong but not where it is; the reader adds the field path.
struct ValueError: Error, Sendable, Equatable {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
