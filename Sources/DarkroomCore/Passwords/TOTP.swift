import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) as authenticator apps make them: HMAC-SHA-1, 6 digits, 30-second steps.
public enum TOTP {
    public static let digits = 6
    public static let period: Int64 = 30
    /// Steps either side of now a code may be from (the clocks of phone and server differ).
    public static let window: Int64 = 1

    public static func step(atSeconds seconds: Int64) -> Int64 { seconds / period }

    /// The code for `step` (RFC 4226 §5.3's dynamic truncation).
    public static func code(secret: [UInt8], step: Int64) -> String {
        let counter = withUnsafeBytes(of: UInt64(step).bigEndian) { Array($0) }
        let mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: counter, using: SymmetricKey(data: secret)))
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let value = (UInt32(mac[offset] & 0x7F) << 24) | (UInt32(mac[offset + 1]) << 16) | (UInt32(mac[offset + 2]) << 8) | UInt32(mac[offset + 3])
        let code = String(value % 1_000_000)
        return String(repeating: "0", count: digits - code.count) + code
    }

    /// The step within the window whose code `typed` is (spaces ignored), if any.
    public static func matchingStep(of typed: String, secret: [UInt8], atSeconds seconds: Int64) -> Int64? {
        let code = typed.filter { !$0.isWhitespace }
        guard code.count == digits, code.allSatisfy(\.isASCIIDigit) else { return nil }
        let now = step(atSeconds: seconds)
        return (now - window...now + window).first { ConstantTime.equal(Self.code(secret: secret, step: $0), code) }
    }

    /// What an authenticator app scans: `otpauth://totp/Issuer:account?secret=…&issuer=Issuer`.
    public static func provisioningURI(secret: [UInt8], account: String, issuer: String) -> String {
        let label = percentEncoded(issuer) + ":" + percentEncoded(account)
        let parameters = "secret=\(Base32.encode(secret))&issuer=\(percentEncoded(issuer))&algorithm=SHA1&digits=\(digits)&period=\(period)"
        return "otpauth://totp/\(label)?" + parameters
    }

    private static func percentEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? ""
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}

/// RFC 4648 base32, as authenticator apps read secrets: upper case, no padding.
public enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        var buffer = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | Int(byte)
            bits += 8
            while bits >= 5 {
                out.append(alphabet[(buffer >> (bits - 5)) & 31])
                bits -= 5
            }
        }
        if bits > 0 { out.append(alphabet[(buffer << (5 - bits)) & 31]) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Nil for anything but base32 letters (spaces, padding and letter case ignored).
    public static func decode(_ text: String) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer = 0
        var bits = 0
        for character in text.uppercased().utf8 where character != UInt8(ascii: " ") && character != UInt8(ascii: "=") {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            buffer = (buffer << 5) | value
            bits += 5
            if bits >= 8 {
                out.append(UInt8((buffer >> (bits - 8)) & 0xFF))
                bits -= 8
            }
            buffer &= 0xFFFF
        }
        return out
    }
}
