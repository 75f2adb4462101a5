/// One HTTP header line. Order and duplicates matter to a byte-exact replay, so
/// headers travel as an array of these, never as a dictionary.
public struct HeaderField: Sendable, Hashable {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HeaderField {
    /// All values of `name`, compared case-insensitively as RFC 9110 requires.
    public func values(named name: String) -> [String] {
        compactMap { $0.name.caseInsensitiveEquals(name) ? $0.value : nil }
    }

    /// The first value of `name`, if any.
    public func first(named name: String) -> String? {
        first { $0.name.caseInsensitiveEquals(name) }?.value
    }

    /// Removes every field called `name`.
    public mutating func remove(named name: String) {
        removeAll { $0.name.caseInsensitiveEquals(name) }
    }
}

extension StringProtocol {
    /// ASCII case-insensitive comparison: header names are ASCII tokens, so this
    /// avoids the cost of Unicode case folding on the request path. Works on
    /// substrings too, so tokens split out of a value need no copy.
    @inlinable
    public func caseInsensitiveEquals<Other: StringProtocol>(_ other: Other) -> Bool {
        // O(1) for native strings, and most header names differ in length.
        guard utf8.count == other.utf8.count else { return false }
        // Native strings and literals are contiguous: compare the bytes.
        if let equal = utf8.withContiguousStorageIfAvailable({ a in
            other.utf8.withContiguousStorageIfAvailable { b in asciiCaseInsensitiveEqual(a, b) }
        }), let equal {
            return equal
        }
        var a = self.utf8.makeIterator()
        var b = other.utf8.makeIterator()
        while let x = a.next(), let y = b.next() {
            if asciiLowercase(x) != asciiLowercase(y) { return false }
        }
        return true
    }

    /// Lowercased ASCII, used to key header-name sets.
    public var asciiLowercased: String {
        String(decoding: utf8.map(asciiLowercase), as: UTF8.self)
    }
}

extension String {
    /// The string's UTF-8 bytes: a native string's own storage, with no copy
    /// (`withUTF8` needs a `var`, so a copy to make unique first); any other
    /// string is made contiguous in a copy.
    @inlinable
    public func withUTF8Bytes<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}

@usableFromInline @inline(__always)
func asciiLowercase(_ byte: UInt8) -> UInt8 {
    (byte >= 65 && byte <= 90) ? byte + 32 : byte
}

/// Equal lengths assumed.
@usableFromInline
func asciiCaseInsensitiveEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
    for index in 0..<a.count {
        let x = a[index]
        let y = b[index]
        if x != y, asciiLowercase(x) != asciiLowercase(y) { return false }
    }
    return true
}
