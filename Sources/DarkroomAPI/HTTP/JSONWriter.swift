import NIOCore

/// Writes JSON straight into a byte buffer. Serializers use it instead of `JSONEncoder`, which was
/// more than ten times slower for a feed page.
struct JSONWriter {
    private(set) var buffer: ByteBuffer
    private var needsComma = false

    init(capacity: Int = 4096) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
    }

    // MARK: - Structure

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        buffer.writeInteger(UInt8(ascii: "}"))
        needsComma = true
    }

    mutating func array(_ body: (inout JSONWriter) -> Void) {
        separate()
        buffer.writeInteger(UInt8(ascii: "["))
        needsComma = false
        body(&self)
        buffer.writeInteger(UInt8(ascii: "]"))
        needsComma = true
    }

    mutating func array<S: Sequence>(_ items: S, _ body: (inout JSONWriter, S.Element) -> Void) {
        array { writer in
            for item in items { body(&writer, item) }
        }
    }

    // MARK: - Pieces rendered elsewhere (cached fragments)

    /// Opens an object whose fields are written by later calls and closed by `closeObject`.
    mutating func openObject() {
        separate()
        buffer.writeInteger(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Starts writing fields that continue an object opened elsewhere.
    mutating func continueObject() { needsComma = true }

    mutating func closeObject() {
        buffer.writeInteger(UInt8(ascii: "}"))
        needsComma = true
    }

    /// Bytes that start a value (a comma goes before them if needed).
    mutating func raw(_ bytes: ByteBuffer) {
        separate()
        var bytes = bytes
        buffer.writeBuffer(&bytes)
        needsComma = true
    }

    /// Bytes that continue the value just written (they carry their own separators).
    mutating func rawContinuation(_ bytes: ByteBuffer) {
        var bytes = bytes
        buffer.writeBuffer(&bytes)
        needsComma = true
    }

    mutating func rawStatic(_ text: StaticString) {
        buffer.writeStaticString(text)
    }

    /// Writes `"name":` — the value written next belongs to it.
    mutating func key(_ name: StaticString) {
        separate()
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
        needsComma = false
    }

    // MARK: - Values

    mutating func string(_ value: String) {
        separate()
        writeEscaped(value)
        needsComma = true
    }

    mutating func string(_ value: String?) {
        if let value { string(value) } else { null() }
    }

    mutating func int(_ value: Int64) {
        separate()
        buffer.writeString(String(value))
        needsComma = true
    }

    mutating func double(_ value: Double) {
        separate()
        if value.isFinite { buffer.writeString(String(value)) } else { buffer.writeStaticString("null") }
        needsComma = true
    }

    mutating func bool(_ value: Bool) {
        separate()
        buffer.writeStaticString(value ? "true" : "false")
        needsComma = true
    }

    mutating func null() {
        separate()
        buffer.writeStaticString("null")
        needsComma = true
    }

    /// A decimal id, which the API always renders as a string.
    mutating func id(_ value: Int64) {
        separate()
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeString(String(value))
        buffer.writeInteger(UInt8(ascii: "\""))
        needsComma = true
    }

    // MARK: - Pairs

    mutating func pair(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }
    mutating func pair(_ name: StaticString, _ value: String?) {
        key(name)
        string(value)
    }
    mutating func pair(_ name: StaticString, _ value: Int64) {
        key(name)
        int(value)
    }
    mutating func pair(_ name: StaticString, _ value: Int) {
        key(name)
        int(Int64(value))
    }
    mutating func pair(_ name: StaticString, _ value: Double) {
        key(name)
        double(value)
    }
    mutating func pair(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }
    mutating func idPair(_ name: StaticString, _ value: Int64) {
        key(name)
        id(value)
    }

    private mutating func separate() {
        if needsComma { buffer.writeInteger(UInt8(ascii: ",")) }
    }

    private mutating func writeEscaped(_ value: String) {
        buffer.writeInteger(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { bytes in
            var start = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                // `<` and `>` are escaped too, so a body can never close a <script> it is embedded in (JSONP).
                guard byte < 0x20 || byte == 0x22 || byte == 0x5C || byte == 0x3C || byte == 0x3E else { continue }
                if index > start { buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<index]))) }
                switch byte {
                case 0x22: buffer.writeStaticString("\\\"")
                case 0x5C: buffer.writeStaticString("\\\\")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 15)])
                }
                start = index + 1
            }
            if start < bytes.count { buffer.writeBytes(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]))) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }
}
