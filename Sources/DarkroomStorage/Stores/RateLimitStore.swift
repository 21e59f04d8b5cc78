import DarkroomCore

/// Request counters per bucket (a token or a client) and hour, in the database so that every server process on it
/// shares them.
public struct RateLimitStore: Sendable {
    let database: any Database

    /// A bucket's totals for a window and the one before it (an hour before, unless said).
    public func totals(_ bucket: String, window: Int64, previousWindow: Int64? = nil) async throws -> (current: Int64, previous: Int64) {
        let rows = try await database.lookup(
            """
            SELECT window_start, hits FROM rate_limit_counters
             WHERE bucket = \(bucket) AND window_start IN (\(window), \(previousWindow ?? window - 3600))
            """
        ).decode { (window: try $0.int(), hits: try $0.int()) }
        var totals: (current: Int64, previous: Int64) = (0, 0)
        for row in rows { if row.window == window { totals.current = row.hits } else { totals.previous = row.hits } }
        return totals
    }

    /// Adds each bucket's calls to its window in one transaction, and answers every bucket's new total. (`counts`
    /// names each bucket once.) Rows go in batches of 64, 32, …, 1, a statement each: a flush of a thousand buckets
    /// was a thousand statements, a tenth of all statements under the feed benchmark on PostgreSQL; the fixed sizes keep
    /// the kinds of statement to prepare few.
    public func add(_ counts: [(bucket: String, hits: Int64)], window: Int64) async throws -> [String: Int64] {
        guard !counts.isEmpty else { return [:] }
        return try await database.transaction { tx in
            var totals: [String: Int64] = [:]
            var rest = counts[...]
            while !rest.isEmpty {
                let size = 1 << (Int.bitWidth - 1 - min(rest.count, 64).leadingZeroBitCount)
                var rows: SQL = ""
                for (index, count) in rest.prefix(size).enumerated() {
                    rows = index == 0 ? "(\(count.bucket), \(window), \(count.hits))" : "\(rows), (\(count.bucket), \(window), \(count.hits))"
                }
                rest = rest.dropFirst(size)
                let answered = try await tx.query(
                    """
                    INSERT INTO rate_limit_counters (bucket, window_start, hits) VALUES \(rows)
                    ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_counters.hits + excluded.hits
                    RETURNING bucket, hits
                    """
                ).decode { (bucket: try $0.string(), hits: try $0.int()) }
                for row in answered { totals[row.bucket] = row.hits }
            }
            return totals
        }
    }

    /// Drops windows older than `before`.
    public func prune(before: Int64) async throws {
        try await database.execute("DELETE FROM rate_limit_counters WHERE window_start < \(before)")
    }
}
