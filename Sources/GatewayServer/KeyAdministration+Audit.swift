import Logging

extension KeyAdministration {
    /// What one key API call's audit line says. The key itself is never
    /// kept: only the store key's digest, which support can match against
    /// the access log's `key.hash` and Redis, and which reveals nothing.
    struct Audit {
        let operation: KeyOperationMetrics.Operation
        let client: String
        var route: String?
        var keyHash: String?
        var force = false
        var result: KeyOperationMetrics.Result = .invalid
        var error: String?

        init(operation: KeyOperationMetrics.Operation, client: String) {
            self.operation = operation
            self.client = client
        }

        func metadata(status: Int) -> Logger.Metadata {
            var metadata: Logger.Metadata = [
                "audit": "admin_key", "operation": "\(operation.rawValue)", "result": "\(result.rawValue)",
                "status": "\(status)", "client.address": "\(client)",
            ]
            if let route { metadata["route"] = "\(route)" }
            if let keyHash { metadata["key.hash"] = "\(keyHash)" }
            if operation == .purge { metadata["force"] = "\(force)" }
            if let error { metadata["error"] = "\(error)" }
            return metadata
        }
    }
}
