/// The problems of the admin listener's key API and `POST /reload`: a
/// separate list from the client contract's, for support tools.
extension Problems {
    public static func adminUnauthorized() -> Problem {
        Problem(slug: "admin-unauthorized", title: "Admin token required", status: 401,
                detail: "this admin endpoint needs an Authorization: Bearer header with admin.token")
    }

    public static func keyNotFound(route: String) -> Problem {
        Problem(slug: "key-not-found", title: "No record for this key", status: 404,
                detail: "route \(route) holds no record for this key and scope: it was never used, has expired, or was purged")
    }

    public static func keyInFlight(route: String) -> Problem {
        Problem(slug: "key-in-flight", title: "Key is in flight", status: 409,
                detail: "route \(route) holds a claim for this key: its request may still be running upstream; "
                    + "purge with ?force=true only if you know it is not (a retry may then execute it again)")
    }

    public static func keyMethodNotAllowed(_ method: String) -> Problem {
        Problem(slug: "method-not-allowed", title: "Method not allowed", status: 405,
                detail: "\(method) is not a key operation; use GET or DELETE /keys/{route}/{key}")
    }

    public static func unknownRoute(_ detail: String) -> Problem {
        Problem(slug: "unknown-route", title: "Unknown route", status: 404, detail: detail)
    }
}

extension Problems {
    public static func adminStoreUnavailable() -> Problem {
        Problem(slug: "store-unavailable", title: "Idempotency store unavailable", status: 503,
                detail: "the gateway cannot reach its idempotency store; nothing was read or deleted", retryAfter: 1)
    }
}
