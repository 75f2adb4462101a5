import Testing
@testable import GatewayCore

@Suite struct StoreKeyTests {
    private func key(_ raw: String) -> IdempotencyKey {
        try! IdempotencyKey.parse(raw).get()
    }

    private func storeKey(prefix: String = "idem", route: String = "charges", scope: [String?] = [], key raw: String = "key-1") -> StoreKey {
        StoreKey(prefix: prefix, route: route, scope: scope, key: key(raw))
    }

    /// Keys already in Redis must be found after an upgrade: the digest of
    /// route, scope and key never changes. Vectors computed independently
    /// from the documented byte stream.
    @Test func digestsAreStableAcrossVersions() throws {
        let key = try IdempotencyKey.parse("key-1").get()
        #expect(StoreKey(prefix: "idem", route: "charges", scope: [], key: key).digest
            == "cbfc9cc361e9474b3cc509437bea37d377b3d9ca10a571559d93b24269702dce")
        #expect(StoreKey(prefix: "idem", route: "charges", scope: ["Bearer alice", nil], key: key).digest
            == "6619107e906a8b9391eb898282001a44ed61634e6b7d51c5a3dd423e14de8e48")
    }

    @Test func sameInputsGiveTheSameKey() {
        #expect(storeKey(scope: ["Bearer a"]) == storeKey(scope: ["Bearer a"]))
    }

    @Test func formatIsPrefixRouteAndHashTaggedHexDigest() {
        let made = storeKey(prefix: "idem", route: "charges")
        let parts = made.value.split(separator: ":", omittingEmptySubsequences: false)
        #expect(parts.count == 3)
        #expect(parts[0] == "idem")
        #expect(parts[1] == "charges")
        #expect(parts[2] == "{\(made.digest)}")
        #expect(made.digest.utf8.count == 64)
        #expect(made.digest.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) })
        #expect(made.description == made.value)
    }

    /// Redis Cluster hashes only the first `{...}` of a key: the record and
    /// its fencing counter must share it, or the claim script gets CROSSSLOT.
    @Test func fenceKeySharesTheRecordsHashTag() {
        let made = storeKey(prefix: "idem", route: "charges")
        #expect(made.fenceKey == made.value + ":fence")
        func firstTag(_ key: String) -> Substring? {
            guard let open = key.firstIndex(of: "{") else { return nil }
            let rest = key[key.index(after: open)...]
            guard let close = rest.firstIndex(of: "}") else { return nil }
            return rest[..<close]
        }
        #expect(firstTag(made.value) == Substring(made.digest))
        #expect(firstTag(made.fenceKey) == Substring(made.digest))
    }

    @Test func differentRouteGivesADifferentKey() {
        #expect(storeKey(route: "charges").digest != storeKey(route: "refunds").digest)
    }

    @Test func differentKeyGivesADifferentKey() {
        #expect(storeKey(key: "key-1") != storeKey(key: "key-2"))
    }

    @Test func differentScopeValueGivesADifferentKey() {
        #expect(storeKey(scope: ["Bearer A"]) != storeKey(scope: ["Bearer B"]))
    }

    @Test func absentScopeHeaderDiffersFromEmptyValue() {
        #expect(storeKey(scope: [nil]) != storeKey(scope: [""]))
        #expect(storeKey(scope: []) != storeKey(scope: [nil]))
    }

    @Test func scopeValuesDoNotRunTogether() {
        #expect(storeKey(scope: ["ab", "c"]) != storeKey(scope: ["a", "bc"]))
        #expect(storeKey(scope: ["a", nil]) != storeKey(scope: [nil, "a"]))
    }

    @Test func prefixOnlyChangesTheVisiblePart() {
        let a = storeKey(prefix: "idem")
        let b = storeKey(prefix: "other")
        #expect(a.value != b.value)
        #expect(a.value.hasPrefix("other:") == false)
        #expect(b.value.hasPrefix("other:charges:"))
    }

    @Test func neverContainsTheClientKeyOrAScopeValueInClear() {
        let secretKey = "client-secret-key-4711"
        let bearer = "Bearer eyJhbGciOiJIUzI1NiJ9.tenant-secret"
        let made = storeKey(scope: [bearer], key: secretKey)
        #expect(!made.value.contains(secretKey))
        #expect(!made.value.contains("4711"))
        #expect(!made.value.contains("eyJhbGciOiJIUzI1NiJ9"))
        #expect(!made.value.contains("tenant-secret"))
        #expect(!made.digest.contains("4711"))
    }

    @Test func quotedAndPlainKeysShareAStoreKey() {
        #expect(storeKey(key: "\"key-1\"") == storeKey(key: "key-1"))
    }

    @Test func rawValueIsKeptAsIs() {
        let raw = StoreKey(rawValue: "idem:charges:abc")
        #expect(raw.value == "idem:charges:abc")
    }
}
