/// Why a key API query was refused; the message goes into a 400 problem.
struct AdminQueryError: Error, Sendable {
    let message: String
    init(_ message: String) { self.message = message }
}
