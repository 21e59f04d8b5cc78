import Metrics

/// Lookups in one of Darkroom's caches, counted as hits and misses (`darkroom_cache_lookups_total{cache,result}`), so
/// an operator can see whether the memory given to it pays.
public struct CacheCounters: Sendable {
    private let hits: Counter
    private let misses: Counter

    public init(cache name: String) {
        hits = Counter(label: "darkroom_cache_lookups_total", dimensions: [("cache", name), ("result", "hit")])
        misses = Counter(label: "darkroom_cache_lookups_total", dimensions: [("cache", name), ("result", "miss")])
    }

    public func record(hits hitCount: Int = 0, misses missCount: Int = 0) {
        if hitCount > 0 { hits.increment(by: hitCount) }
        if missCount > 0 { misses.increment(by: missCount) }
    }

    public func record(hit: Bool) {
        (hit ? hits : misses).increment()
    }
}
