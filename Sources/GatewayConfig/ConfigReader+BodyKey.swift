internal import Yams
import GatewayCore

/// The `idempotency` fields that read a request body as JSON: `key_json`
/// (where the key is) and `fingerprint` (what of the body must match).
/// Kept apart from the other idempotency fields so each can grow alone.
extension ConfigReader {
    static let bodyIdempotencyFields = ["key_json", "fingerprint"]
    static let fingerprintFields = ["body", "ignore"]

    /// Reads `key_json` and `fingerprint` into `policy`.
    func readBodyFields(_ fields: FieldMap, into policy: inout IdempotencyPolicy) {
        if let node = fields["key_json"] {
            policy.keyJSON = jsonPointer(node, at: fields.path("key_json"))
            if fields.contains("header") {
                report(fields.path("key_json"), "set either `header` or `key_json`, not both: "
                       + "with `key_json` the key is read from the body and the header is not used")
            }
        }
        if let node = fields["fingerprint"], let fingerprint = bodyFingerprint(node, at: fields.path("fingerprint")) {
            policy.fingerprint = fingerprint
        }
    }

    func jsonPointer(_ node: Node, at path: FieldPath) -> JSONPointer? {
        guard let text = text(node, at: path, expected: "a JSON pointer (e.g. `/id`)") else { return nil }
        switch JSONPointer.parse(text) {
        case .success(let pointer):
            return pointer
        case .failure(let reason):
            report(path, "\"\(text)\" is not an RFC 6901 JSON pointer: \(reason.explanation)")
            return nil
        }
    }

    private func bodyFingerprint(_ node: Node, at path: FieldPath) -> BodyFingerprint? {
        guard let fields = fields(of: node, at: path, known: Self.fingerprintFields,
                                  emptyHint: "remove the field for the default (`body: raw`)")
        else { return nil }
        var result = BodyFingerprint()
        result.body = optional(fields, "body", default: result.body) { choice($0, at: $1, as: BodyFingerprintMode.self) }
            ?? result.body
        result.ignore = optional(fields, "ignore", default: result.ignore) {
            list($0, at: $1) { item, itemPath -> JSONPointer? in
                guard let pointer = jsonPointer(item, at: itemPath) else { return nil }
                guard !pointer.tokens.isEmpty else {
                    report(itemPath, "\"\" is the whole body; ignoring it would make every body the same request")
                    return nil
                }
                return pointer
            }
        } ?? result.ignore
        if fields.contains("ignore"), result.body != .json {
            report(fields.path("ignore"), "`ignore` needs `body: json`: a raw fingerprint hashes the bytes as sent")
        }
        return result
    }
}
