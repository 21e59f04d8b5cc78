import DarkroomCore

/// Keeps each user's materialized home feed (`feed_entries`) complete from its newest entry down to its oldest:
/// a new media goes into its author's feed and every follower's, a new follow brings in the followed account's
/// media over the span the feed covers, and an unfollow takes that account's entries out.
enum HomeFeed {
    /// How much of a newly followed account's history a follow brings in beyond what the feed already spans.
    static let backfillLimit = 500
    // SQLite reads `ON` after `INSERT … SELECT … FROM x` as a join unless a WHERE comes between.

    static func fanOut(_ media: MediaID, author: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute("""
            INSERT INTO feed_entries (user_id, media_id, author_id)
            SELECT * FROM (
                SELECT follower_id, \(media), \(author) FROM follows WHERE followee_id = \(author)
                UNION ALL SELECT \(author), \(media), \(author)) AS readers
            WHERE true ON CONFLICT DO NOTHING
            """)
    }

    /// Into a feed that has entries: all of the followed account's media within the span the feed covers (anything
    /// older is read from the followed accounts directly, as for every feed). Into an empty feed: its newest media.
    static func backfill(_ follower: UserID, from followee: UserID, in tx: any SQLExecutor) async throws {
        if let oldest = try await tx.query("SELECT min(media_id) FROM feed_entries WHERE user_id = \(follower)").first?.optionalInt(0) {
            try await tx.execute("""
                INSERT INTO feed_entries (user_id, media_id, author_id)
                SELECT \(follower), id, user_id FROM media WHERE user_id = \(followee) AND id >= \(oldest)
                ON CONFLICT DO NOTHING
                """)
        } else {
            try await tx.execute("""
                INSERT INTO feed_entries (user_id, media_id, author_id)
                SELECT \(follower), id, user_id FROM (
                    SELECT id, user_id FROM media WHERE user_id = \(followee) ORDER BY id DESC LIMIT \(backfillLimit)) AS newest
                WHERE true ON CONFLICT DO NOTHING
                """)
        }
    }

    static func remove(author: UserID, from follower: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute("DELETE FROM feed_entries WHERE user_id = \(follower) AND author_id = \(author)")
    }
}
