import DarkroomCore

/// Request counters per bucket (a token or a client) and hour, in the database so that every server process on it
/// shares them.
public struct RateLimitStore: Sendable {
    let database: any Database

    /// Adds `hits` to a bucket's window and answers its total, with the previous window's total.
    public func add(_ hits: Int64, to bucket: String, window: Int64, previousWindow: Int64) async throws -> (current: Int64, previous: Int64) {
        let current = try await database.transaction { tx in
            try await tx.query("""
                INSERT INTO rate_limit_counters (bucket, window_start, hits) VALUES (\(bucket), \(window), \(hits))
                ON CONFLICT (bucket, window_start) DO UPDATE SET hits = rate_limit_counters.hits + \(hits)
                RETURNING hits
                """).first?.int(0) ?? hits
        }
        let previous = try await database.lookup("""
            SELECT hits FROM rate_limit_counters WHERE bucket = \(bucket) AND window_start = \(previousWindow)
            """).first?.int(0) ?? 0
        return (current, previous)
    }

    /// Drops windows older than `before`.
    public func prune(before: Int64) async throws {
        try await database.execute("DELETE FROM rate_limit_counters WHERE window_start < \(before)")
    }
}
