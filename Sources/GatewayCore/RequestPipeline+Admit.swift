extension RequestPipeline {
    /// Phase 3: checks the key and computes what the claim writes: the store
    /// key (route, scope headers, key) and the request's fingerprint.
    func admit(_ request: GatewayRequest, policy: IdempotencyPolicy, route: Route) -> Admission {
        let keyValues = request.headers.values(named: policy.header)
        guard let rawKey = keyValues.first else {
            return policy.required ? .refused(Problems.missingKey(header: policy.header), .missingKey) : .unkeyed
        }
        guard keyValues.count == 1 else {
            return .refused(Problems.duplicateKeyHeader(header: policy.header), .invalidKey)
        }
        let key: IdempotencyKey
        switch IdempotencyKey.parse(rawKey) {
        case .success(let parsed): key = parsed
        case .failure(let reason): return .refused(Problems.invalidKey(header: policy.header, reason), .invalidKey)
        }
        let storeKey = StoreKey(
            prefix: settings.keyPrefix, route: route.name,
            scope: Self.scope(of: request, policy: policy),
            key: key)
        let fingerprint = Fingerprint.compute(
            method: request.method, path: request.path, query: request.query, body: request.body,
            headers: policy.fingerprintHeaders.map { ($0, request.headers.values(named: $0)) })
        // The id is drawn with the claim (and written with it) only where
        // it may be needed: an `async` route.
        return .keyed(storeKey, PendingClaim(fingerprint: fingerprint, operation: policy.asyncAfter == nil ? nil : .random()))
    }

    /// The values of the route's scope headers: part of the store key, and
    /// what a poll must repeat to see an operation.
    static func scope(of request: GatewayRequest, policy: IdempotencyPolicy) -> [String?] {
        policy.scopeHeaders.map { name in
            let values = request.headers.values(named: name)
            return values.isEmpty ? nil : values.joined(separator: ", ")
        }
    }
}
