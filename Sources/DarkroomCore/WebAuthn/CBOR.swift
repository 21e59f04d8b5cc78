/// The subset of CBOR (RFC 8949) WebAuthn's structures use: unsigned and negative integers, byte and text strings,
/// arrays, maps and the simple values. Hand-written because WebAuthn's attestation object and COSE keys are CBOR and
/// no CBOR package is among those this project may use; it reads definite lengths only (as CTAP2's canonical form
/// requires), and refuses anything deeper than 16 levels or longer than its input.
public indirect enum CBOR: Equatable, Sendable {
    case unsigned(UInt64)
    case negative(Int64)
    case bytes([UInt8])
    case text(String)
    case array([CBOR])
    case map([(CBOR, CBOR)])
    case bool(Bool)
    case null

    public static func == (lhs: CBOR, rhs: CBOR) -> Bool {
        switch (lhs, rhs) {
        case (.unsigned(let a), .unsigned(let b)): a == b
        case (.negative(let a), .negative(let b)): a == b
        case (.bytes(let a), .bytes(let b)): a == b
        case (.text(let a), .text(let b)): a == b
        case (.array(let a), .array(let b)): a == b
        case (.map(let a), .map(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    public struct DecodingError: Error, Equatable {
        public var reason: String
    }

    /// Decodes the first item of `bytes`; answers it and how many bytes it took.
    public static func decode(_ bytes: [UInt8], from start: Int = 0) throws(DecodingError) -> (CBOR, end: Int) {
        var reader = Reader(bytes: bytes, position: start)
        let item = try reader.item(depth: 0)
        return (item, reader.position)
    }

    /// The value under an integer key of a map (COSE keys are keyed by integers).
    public subscript(int key: Int64) -> CBOR? {
        guard case .map(let pairs) = self else { return nil }
        let wanted: CBOR = key >= 0 ? .unsigned(UInt64(key)) : .negative(key)
        return pairs.first { $0.0 == wanted }?.1
    }

    /// The value under a text key of a map.
    public subscript(text key: String) -> CBOR? {
        guard case .map(let pairs) = self else { return nil }
        return pairs.first { $0.0 == .text(key) }?.1
    }

    public var bytesValue: [UInt8]? { if case .bytes(let value) = self { value } else { nil } }
    public var textValue: String? { if case .text(let value) = self { value } else { nil } }
    public var intValue: Int64? {
        switch self {
        case .unsigned(let value): value <= UInt64(Int64.max) ? Int64(value) : nil
        case .negative(let value): value
        default: nil
        }
    }

    private struct Reader {
        let bytes: [UInt8]
        var position: Int

        mutating func byte() throws(DecodingError) -> UInt8 {
            guard position < bytes.count else { throw DecodingError(reason: "ends early") }
            defer { position += 1 }
            return bytes[position]
        }

        mutating func take(_ count: UInt64) throws(DecodingError) -> [UInt8] {
            guard count <= UInt64(bytes.count - position) else { throw DecodingError(reason: "a string longer than the input") }
            defer { position += Int(count) }
            return Array(bytes[position..<position + Int(count)])
        }

        /// The argument after an initial byte's additional information.
        mutating func argument(_ info: UInt8) throws(DecodingError) -> UInt64 {
            switch info {
            case 0..<24: return UInt64(info)
            case 24: return UInt64(try byte())
            case 25, 26, 27:
                var value: UInt64 = 0
                for _ in 0..<(1 << (info - 24)) { value = value << 8 | UInt64(try byte()) }
                return value
            default: throw DecodingError(reason: "an indefinite length or a reserved value")
            }
        }

        mutating func item(depth: Int) throws(DecodingError) -> CBOR {
            guard depth < 16 else { throw DecodingError(reason: "nested too deeply") }
            let initial = try byte()
            let major = initial >> 5
            let value = try argument(initial & 0x1F)
            switch major {
            case 0: return .unsigned(value)
            case 1:
                guard value < UInt64(Int64.max) else { throw DecodingError(reason: "a negative integer out of range") }
                return .negative(-1 - Int64(value))
            case 2: return .bytes(try take(value))
            case 3:
                guard let text = String(validating: try take(value), as: UTF8.self) else { throw DecodingError(reason: "text that is not UTF-8") }
                return .text(text)
            case 4:
                guard value <= UInt64(bytes.count - position) else { throw DecodingError(reason: "an array longer than the input") }
                var items: [CBOR] = []
                for _ in 0..<value { items.append(try item(depth: depth + 1)) }
                return .array(items)
            case 5:
                guard value <= UInt64(bytes.count - position) else { throw DecodingError(reason: "a map longer than the input") }
                var pairs: [(CBOR, CBOR)] = []
                for _ in 0..<value { pairs.append((try item(depth: depth + 1), try item(depth: depth + 1))) }
                return .map(pairs)
            case 7:
                switch initial & 0x1F {
                case 20: return .bool(false)
                case 21: return .bool(true)
                case 22: return .null
                default: throw DecodingError(reason: "a float or simple value WebAuthn does not use")
                }
            default: throw DecodingError(reason: "a tag WebAuthn does not use")
            }
        }
    }
}
