import DarkroomCore

/// Request counters per bucket (a token or a client) and hour, in the database so that every server process on it
/// shares them.
public struct RateLimitStore: Sendable {
    let database: any Database

    /// A bucket's totals for a window and the one before it (an hour before, unless said).
    public func totals(_ bucket: String, window: Int64, previousWindow: Int64? = nil) async throws -> (current: Int64, previous: Int64) {
        let rows = try await database.lookup("""
            SELECT window_start, hits FROM rate_limit_counters
             WHERE bucket = \(bucket) AND window_start IN (\(window), \(previousWindow ?? window - 3600))
            """).decode { (window: try $0.int(), hits: try $0.int()) }
        var totals: (current: Int64, previous: Int64) = (0, 0)
        for row in rows { if row.window == window { totals.current = row.hits } else { totals.previous = row.hits } }
        return totals
    }

    /// Adds each bucket's calls to its window in one transaction, and answers every bucket's new total.
    public func add(_ counts: [(bucket: String, hits: Int64)], window: Int64) async throws -> [String: Int64] {
        guard !counts.isEmpty else { return [:] }
        return try await database.transaction { tx in
            var totals: [String: Int64] = [:]
            for count in counts {
                totals[count.bucket] = try await tx.query("""
                    INSERT INTO rate_limit_counters (bucket, window_start, hits) VALUES (\(count.bucket), \(window), \(count.hits))
                    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_counters.hits + \(count.hits)
                    RETURNING hits
                    """).scalarInt() ?? count.hits
            }
            return totals
        }
    }

    /// Drops windows older than `before`.
    public func prune(before: Int64) async throws {
        try await database.execute("DELETE FROM rate_limit_counters WHERE window_start < \(before)")
    }
}
