import Crypto

/// Proof Key for Code Exchange (RFC 7636), S256 only.
public enum PKCE {
    /// A challenge or verifier: 43 to 128 characters of `A–Z a–z 0–9 - . _ ~`.
    public static func isWellFormed(_ value: String) -> Bool {
        (43...128).contains(value.utf8.count)
            && value.utf8.allSatisfy {
                (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || "-._~".utf8.contains($0)
            }
    }

    /// Whether BASE64URL(SHA256(verifier)) is the challenge, compared in constant time.
    public static func verifies(_ verifier: String, challenge: String) -> Bool {
        guard isWellFormed(verifier) else { return false }
        let digest = Array(SHA256.hash(data: Array(verifier.utf8)))
        return ConstantTime.equal(base64URL(digest), challenge)
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var out: [UInt8] = []
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<(chunk.count + 1) { out.append(alphabet[Int((value >> (18 - 6 * UInt32(position))) & 63)]) }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}

public enum ConstantTime {
    /// Equal strings, compared so that the time taken says nothing about how much of a guess was right.
    public static func equal(_ given: String, _ expected: String) -> Bool {
        equal(Array(given.utf8), Array(expected.utf8))
    }

    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
