/// The `/p/{shortcode}/` code of a media: its id in base 64 over `A–Z a–z 0–9 - _`, most significant digit first.
public enum Shortcode {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
    private static let values: [UInt8: Int64] = Dictionary(uniqueKeysWithValues: alphabet.enumerated().map { ($1, Int64($0)) })

    public static func encode(_ id: MediaID) -> String {
        var value = UInt64(bitPattern: id.rawValue)
        guard value > 0 else { return "A" }
        var digits: [UInt8] = []
        while value > 0 {
            digits.append(alphabet[Int(value & 63)])
            value >>= 6
        }
        return String(decoding: digits.reversed(), as: UTF8.self)
    }

    public static func decode(_ code: Substring) -> MediaID? {
        guard !code.isEmpty, code.utf8.count <= 11 else { return nil }
        var value: UInt64 = 0
        for byte in code.utf8 {
            guard let digit = values[byte], value <= (UInt64(Int64.max) >> 6) else { return nil }
            value = value << 6 | UInt64(digit)
        }
        guard value <= UInt64(Int64.max) else { return nil }
        return MediaID(Int64(value))
    }
}
