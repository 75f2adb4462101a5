import Crypto

/// SHA-256 over everything that makes two requests "the same request". A retry
/// whose fingerprint differs from the first attempt's gets 422: the client
/// reused a key for a different operation, which is a bug we must surface
/// rather than answer with the wrong stored response.
public struct Fingerprint: Sendable, Hashable {
    /// The 32 digest bytes.
    public let bytes: [UInt8]

    public init(bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Each part is length-prefixed, so no two different requests can produce
    /// the same byte stream (`/a` + `b` versus `/ab`). Header names are
    /// lowercased and absent headers are distinguished from empty ones.
    ///
    /// The stream is assembled in one buffer and hashed in one call: each
    /// hasher update costs a call into BoringSSL and a copy, and a request
    /// has eight or more fields.
    public static func compute(
        method: String,
        path: String,
        query: String?,
        body: [UInt8],
        headers: [(name: String, values: [String])] = []
    ) -> Fingerprint {
        var stream: [UInt8] = []
        stream.reserveCapacity(64 + method.utf8.count + path.utf8.count + (query?.utf8.count ?? 0) + body.count)
        func field<Bytes: Collection>(_ data: Bytes) where Bytes.Element == UInt8 {
            withUnsafeBytes(of: UInt64(data.count).bigEndian) { stream.append(contentsOf: $0) }
            stream.append(contentsOf: data)
        }
        field(method.utf8)
        field(path.utf8)
        if let query {
            field(CollectionOfOne(1))
            field(query.utf8)
        } else {
            field(CollectionOfOne(0))
        }
        field(body)
        for header in headers {
            field(header.name.asciiLowercased.utf8)
            field(String(header.values.count).utf8)
            for value in header.values { field(value.utf8) }
        }
        return Fingerprint(bytes: Array(SHA256.hash(data: stream)))
    }
}
