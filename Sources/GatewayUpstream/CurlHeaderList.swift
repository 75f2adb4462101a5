internal import CCurl
internal import GatewayCore

/// A request's header lines as the `curl_slist` libcurl reads
/// (CURLOPT_HTTPHEADER), built in one allocation: the nodes first, then the
/// NUL-terminated lines they point at. `curl_slist_append` made two
/// allocations per line (the node and a copy of the line) and
/// `curl_slist_free_all` freed them one by one; libcurl only reads the list,
/// so it can be ours, freed whole once the handle has let go of it (the
/// transfer holds it until then: see `CurlEasyHandle.detach`).
struct CurlHeaderList: ~Copyable {
    private static let nodeStride = MemoryLayout<curl_slist>.stride

    /// The first node, for CURLOPT_HTTPHEADER; nil while empty.
    private(set) var head: UnsafeMutablePointer<curl_slist>?
    private var tail: UnsafeMutablePointer<curl_slist>?
    private let memory: UnsafeMutableRawPointer
    private let lineCapacity: Int
    private let textCapacity: Int
    private var lines = 0
    private var textUsed = 0

    /// Room for `lines` lines of `textBytes` bytes in all, NULs included.
    init(lines: Int, textBytes: Int) {
        lineCapacity = lines
        textCapacity = textBytes
        memory = .allocate(byteCount: max(1, lines * Self.nodeStride + textBytes), alignment: MemoryLayout<curl_slist>.alignment)
    }

    deinit {
        memory.deallocate()
    }

    /// Bytes `append(_:)` may need for `field`: `Name: value` and a NUL.
    static func textBytes(of field: HeaderField) -> Int {
        field.name.utf8.count + field.value.utf8.count + 3
    }

    /// Appends `Name: value`, or `Name;` for an empty value (libcurl reads
    /// "Name:" as "remove this header", and "Name;" as "send it empty"),
    /// once the field passes `RequestValidation`: its bytes are checked here,
    /// where they are copied anyway. The problem when it does not, and
    /// nothing is appended.
    mutating func append(_ field: HeaderField) -> String? {
        field.name.withUTF8Bytes { name in
            field.value.withUTF8Bytes { value in
                if let problem = RequestValidation.problem(name: name, value: value) { return problem }
                if value.isEmpty {
                    appendLine(name, separator: ";", value)
                } else {
                    appendLine(name, separator: ": ", value)
                }
                return nil
            }
        }
    }

    /// A line given whole, such as "Expect:".
    mutating func append(raw line: StaticString) {
        appendLine(UnsafeBufferPointer(start: line.utf8Start, count: line.utf8CodeUnitCount), separator: "", nil)
    }

    private mutating func appendLine(_ name: UnsafeBufferPointer<UInt8>, separator: StaticString, _ value: UnsafeBufferPointer<UInt8>?) {
        let length = name.count + separator.utf8CodeUnitCount + (value?.count ?? 0)
        precondition(lines < lineCapacity && textUsed + length + 1 <= textCapacity, "header list sized too small")
        let text = memory + lineCapacity * Self.nodeStride + textUsed
        var at = text
        func put(_ bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            at.copyMemory(from: base, byteCount: bytes.count)
            at += bytes.count
        }
        put(UnsafeRawBufferPointer(name))
        put(UnsafeRawBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount))
        if let value { put(UnsafeRawBufferPointer(value)) }
        at.storeBytes(of: 0, as: UInt8.self)
        let node = (memory + lines * Self.nodeStride).bindMemory(to: curl_slist.self, capacity: 1)
        node.initialize(to: curl_slist(data: text.bindMemory(to: CChar.self, capacity: length + 1), next: nil))
        if let tail { tail.pointee.next = node } else { head = node }
        tail = node
        lines += 1
        textUsed += length + 1
    }
}
