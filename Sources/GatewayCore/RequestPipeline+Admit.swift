extension RequestPipeline {
    /// Phase 3: finds and checks the key (in a header, or in the JSON body
    /// with `key_json`) and computes what the claim writes: the store key
    /// (route, scope headers, key) and the request's fingerprint. The body
    /// is parsed at most once, and only on routes that read it as JSON.
    func admit(_ request: GatewayRequest, policy: IdempotencyPolicy, route: Route) -> Admission {
        var parsed: Result<JSONValue, JSONError>?
        func json() -> Result<JSONValue, JSONError> {
            if let parsed { return parsed }
            let result = Result { () throws(JSONError) in try JSONParser.parse(request.body) }
            parsed = result
            return result
        }

        let found = policy.keyJSON.map { bodyKey(in: json(), at: $0, policy: policy) } ?? headerKey(request, policy: policy)
        let key: IdempotencyKey
        switch found {
        case .found(let value): key = value
        case .absent: return .unkeyed
        case .refused(let problem, let outcome): return .refused(problem, outcome)
        }

        let body: [UInt8]
        switch policy.fingerprint.body {
        case .raw:
            body = request.body
        case .json:
            do {
                body = try policy.fingerprint.canonicalBody(json().get(), capacity: request.body.count)
            } catch {
                return .refused(Problems.bodyNotJSON(error), .bodyNotJSON)
            }
        }
        let storeKey = StoreKey(
            prefix: settings.keyPrefix, route: route.name,
            scope: Self.scope(of: request, policy: policy),
            key: key)
        let fingerprint = Fingerprint.compute(
            method: request.method, path: request.path, query: request.query, body: body,
            headers: policy.fingerprintHeaders.map { ($0, request.headers.values(named: $0)) })
        // The id is drawn with the claim (and written with it) only where
        // it may be needed: an `async` route.
        return .keyed(storeKey, PendingClaim(fingerprint: fingerprint, operation: policy.asyncAfter == nil ? nil : .random()))
    }

    /// Bodies from this size up are parsed as JSON off the event loop.
    static let offLoopJSONBytes = 16 * 1024

    /// True when admitting this request means parsing a body large enough
    /// to stall the event loop it arrived on (about 40 ms per MiB to parse
    /// and canonicalise, release build): then `handle` admits it in a
    /// detached task, so other connections on that loop are not held up.
    /// A hop costs microseconds, so small bodies stay where they are.
    static func admitsOffLoop(_ bodyBytes: Int, policy: IdempotencyPolicy) -> Bool {
        bodyBytes >= offLoopJSONBytes && (policy.keyJSON != nil || policy.fingerprint.body == .json)
    }

    /// The values of the route's scope headers: part of the store key, and
    /// what a poll must repeat to see an operation.
    static func scope(of request: GatewayRequest, policy: IdempotencyPolicy) -> [String?] {
        policy.scopeHeaders.map { name in
            let values = request.headers.values(named: name)
            return values.isEmpty ? nil : values.joined(separator: ", ")
        }
    }

    private func headerKey(_ request: GatewayRequest, policy: IdempotencyPolicy) -> AdmittedKey {
        let keyValues = request.headers.values(named: policy.header)
        guard let rawKey = keyValues.first else {
            return policy.required ? .refused(Problems.missingKey(header: policy.header), .missingKey) : .absent
        }
        guard keyValues.count == 1 else {
            return .refused(Problems.duplicateKeyHeader(header: policy.header), .invalidKey)
        }
        switch IdempotencyKey.parse(rawKey) {
        case .success(let key): return .found(key)
        case .failure(let reason): return .refused(Problems.invalidKey(header: policy.header, reason), .invalidKey)
        }
    }

    /// A body that is not JSON, or has no string or integer at the pointer,
    /// has no key: the route's `required` decides, as for a missing header.
    private func bodyKey(in body: Result<JSONValue, JSONError>, at pointer: JSONPointer,
                         policy: IdempotencyPolicy) -> AdmittedKey {
        guard let text = (try? body.get()).flatMap(pointer.value(in:))?.keyText else {
            return policy.required ? .refused(Problems.missingBodyKey(pointer: pointer), .missingKey) : .absent
        }
        switch IdempotencyKey.parse(decoded: text) {
        case .success(let key): return .found(key)
        case .failure(let reason): return .refused(Problems.invalidKey(header: policy.keySource, reason), .invalidKey)
        }
    }
}
