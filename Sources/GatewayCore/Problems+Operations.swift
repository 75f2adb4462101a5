/// The problems of async operations (`idempotency.async`), beside the others
/// in `Problems`.
extension Problems {
    /// Also the answer for an id of another scope: telling "not yours" apart
    /// from "no such id" would confirm that an id exists.
    public static func operationNotFound() -> Problem {
        Problem(slug: "operation-not-found", title: "No such operation", status: 404,
                detail: "no operation with this id is known for the scope of this request; it may have expired")
    }

    public static func operationLost() -> Problem {
        Problem(slug: "operation-lost", title: "Operation lost", status: 502,
                detail: "the gateway that ran this operation stopped before it settled, so the request may or may not have executed; "
                    + "a retry with the same idempotency key executes it again")
    }
}
