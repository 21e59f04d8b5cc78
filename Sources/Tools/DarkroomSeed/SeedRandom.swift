/// A small deterministic generator (SplitMix64): the same seed always gives the same data set.
struct SeedRandom: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func int(_ range: Range<Int>) -> Int { Int.random(in: range, using: &self) }
    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }
    mutating func pick<T>(_ items: [T]) -> T { items[int(0..<items.count)] }

    /// A draw from a geometric distribution with the given mean.
    mutating func geometric(mean: Double) -> Int {
        guard mean > 0 else { return 0 }
        let p = 1 / (mean + 1)
        let u = Double.random(in: Double.ulpOfOne..<1, using: &self)
        return Int(log(u) / log(1 - p))
    }
}

/// Draws ranks 0..<n with probability proportional to 1 / (rank + 1)^exponent: a few very popular items.
struct ZipfSampler {
    private let cumulative: [Double]

    init(count: Int, exponent: Double) {
        var total = 0.0
        cumulative = (0..<count).map { rank in
            total += 1 / pow(Double(rank + 1), exponent)
            return total
        }
    }

    func draw(using random: inout SeedRandom) -> Int {
        let target = Double.random(in: 0..<cumulative.last!, using: &random)
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let mid = (low + high) / 2
            if cumulative[mid] < target { low = mid + 1 } else { high = mid }
        }
        return low
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
