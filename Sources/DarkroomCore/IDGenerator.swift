import Synchronization

/// Instagram's id scheme: milliseconds since a custom epoch in the high 41 bits, then 13 shard bits
/// and 10 sequence bits. `(id >> 23) + epoch` is the creation time in milliseconds, as in real ids.
/// Ids made by one generator strictly increase, even if the clock steps back.
public final class IDGenerator: Sendable {
    public static let epochMilliseconds: Int64 = 1_314_220_021_721
    static let shardBits: Int64 = 13
    static let sequenceBits: Int64 = 10
    static let timeShift: Int64 = shardBits + sequenceBits

    private let shard: Int64
    private let clock: @Sendable () -> Int64
    private let last = Mutex<Int64>(0)

    /// - Parameters:
    ///   - shard: this process's shard number (0..<8192), so that processes never collide.
    ///   - clock: the current time in unix milliseconds.
    public init(shard: Int64, clock: @escaping @Sendable () -> Int64) {
        precondition((0..<(1 << Self.shardBits)).contains(shard))
        self.shard = shard
        self.clock = clock
    }

    public func next() -> Int64 {
        let candidate = Self.make(milliseconds: clock(), shard: shard, sequence: 0)
        return last.withLock { last in
            // Same millisecond (or a clock step back): advance the sequence, spilling into the next millisecond.
            let id = candidate > last ? candidate : last + 1
            last = id
            return id
        }
    }

    public static func make(milliseconds: Int64, shard: Int64, sequence: Int64) -> Int64 {
        ((milliseconds - epochMilliseconds) << timeShift) | (shard << sequenceBits) | (sequence & ((1 << sequenceBits) - 1))
    }

    /// The creation time of an id, in unix milliseconds.
    public static func milliseconds(of id: Int64) -> Int64 { (id >> timeShift) + epochMilliseconds }

    /// The smallest id that any generator could make at a given unix time in seconds: a bound for time-range queries.
    /// Times past the scheme's range (about 2045) clamp to the largest id.
    public static func lowerBound(unixSeconds: Int64) -> Int64 {
        let (milliseconds, overflow) = unixSeconds.multipliedReportingOverflow(by: 1000)
        let sinceEpoch = milliseconds - epochMilliseconds
        if overflow || sinceEpoch >= (Int64(1) << (63 - timeShift)) { return Int64.max }
        return make(milliseconds: max(milliseconds, epochMilliseconds), shard: 0, sequence: 0)
    }
}
