import Crypto

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The side effects the domain needs — time, ids and randomness — injected so tests can control them.
public struct SystemEnvironment: Sendable {
    /// The current time in unix milliseconds.
    public var nowMilliseconds: @Sendable () -> Int64
    public var ids: IDGenerator
    /// `count` cryptographically random bytes.
    public var randomBytes: @Sendable (Int) -> [UInt8]
    /// Returns once `nowMilliseconds` reads the given time or later, or as soon as the task is cancelled. Every timer
    /// the background work sets goes through here, so a test's clock, moved by hand, fires them without a real wait.
    public var sleepUntil: @Sendable (_ milliseconds: Int64) async -> Void

    public init(
        nowMilliseconds: @escaping @Sendable () -> Int64,
        ids: IDGenerator,
        randomBytes: @escaping @Sendable (Int) -> [UInt8],
        sleepUntil: (@Sendable (Int64) async -> Void)? = nil
    ) {
        self.nowMilliseconds = nowMilliseconds
        self.ids = ids
        self.randomBytes = randomBytes
        self.sleepUntil =
            sleepUntil ?? { deadline in
                // The wall clock can be set back or forward: sleep in short steps against `nowMilliseconds` itself.
                while !Task.isCancelled {
                    let left = deadline - nowMilliseconds()
                    guard left > 0 else { return }
                    try? await Task.sleep(for: .milliseconds(min(left, 60_000)))
                }
            }
    }

    public var nowSeconds: Int64 { nowMilliseconds() / 1000 }

    public static func live(shard: Int64 = 0) -> SystemEnvironment {
        let clock: @Sendable () -> Int64 = {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
        }
        return SystemEnvironment(
            nowMilliseconds: clock,
            ids: IDGenerator(shard: shard, clock: clock),
            randomBytes: { count in
                var generator = SystemRandomNumberGenerator()
                return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            }
        )
    }

    /// Random bytes as lowercase hex.
    public func randomHex(bytes: Int) -> String { Hex.encode(randomBytes(bytes)) }
}

public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// The bytes `encode` wrote; nil for anything else.
    public static func decode(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0, digits.allSatisfy(isDigit) else { return nil }
        func value(_ digit: UInt8) -> UInt8 { digit <= 57 ? digit - 48 : digit - 87 }
        return stride(from: 0, to: digits.count, by: 2).map { value(digits[$0]) << 4 | value(digits[$0 + 1]) }
    }

    /// Whether `byte` is a lowercase hexadecimal digit, as `encode` writes them.
    public static func isDigit(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (97...102).contains(byte) }
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    public static func sha256(_ text: String) -> String { encode(SHA256.hash(data: Array(text.utf8))) }
}
