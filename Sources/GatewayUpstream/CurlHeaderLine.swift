internal import CCurl
internal import GatewayCore

/// Adds header lines to a libcurl header list. libcurl copies each line it
/// is given, so the line is assembled in a stack buffer: no Swift string is
/// built per header.
enum CurlHeaderLine {
    /// Appends `Name: value`, or `Name;` for an empty value (libcurl reads
    /// "Name:" as "remove this header", and "Name;" as "send it empty"),
    /// once the field passes `RequestValidation`: its bytes are checked here,
    /// where they are copied anyway. The problem when it does not, and
    /// nothing is appended.
    static func append(_ field: HeaderField, to list: inout UnsafeMutablePointer<curl_slist>?) -> String? {
        var name = field.name
        var value = field.value
        return name.withUTF8 { name in
            value.withUTF8 { value in
                if let problem = RequestValidation.problem(name: name, value: value) { return problem }
                let length = name.count + (value.isEmpty ? 1 : 2 + value.count)
                return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length + 1) { line in
                    var at = 0
                    func put(_ bytes: UnsafeBufferPointer<UInt8>) {
                        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
                        UnsafeMutableRawPointer(line.baseAddress! + at).copyMemory(from: base, byteCount: bytes.count)
                        at += bytes.count
                    }
                    put(name)
                    if value.isEmpty {
                        line[at] = UInt8(ascii: ";")
                        at += 1
                    } else {
                        line[at] = UInt8(ascii: ":")
                        line[at + 1] = UInt8(ascii: " ")
                        at += 2
                        put(value)
                    }
                    line[at] = 0
                    if let appended = line.withMemoryRebound(to: CChar.self, { curl_slist_append(list, $0.baseAddress) }) {
                        list = appended
                    }
                    return nil
                }
            }
        }
    }

    /// A line given whole, such as "Expect:".
    static func append(raw line: String, to list: UnsafeMutablePointer<curl_slist>?) -> UnsafeMutablePointer<curl_slist>? {
        line.withCString { curl_slist_append(list, $0) } ?? list
    }
}
