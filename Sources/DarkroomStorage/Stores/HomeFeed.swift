import DarkroomCore

/// Keeps each user's materialized home feed (`feed_entries`) complete above the user's `feed_floor`: a new media
/// goes into its author's feed and every follower's, a new follow brings in the followed account's media above the
/// floor (raising the floor when that would be too many), an unfollow takes that account's entries out, and a trim
/// bounds the feed by raising the floor.
enum HomeFeed {
    /// How much of a newly followed account's history a follow brings in beyond what the feed already spans.
    static let backfillLimit = 500
    // SQLite reads `ON` after `INSERT … SELECT … FROM x` as a join unless a WHERE comes between.

    /// Accounts with more followers than this have their posts fanned out in the background, so posting stays fast.
    static let inlineFanOutLimit: Int64 = 1000
    /// Accounts with more followers than this are not fanned out at all: every feed read merges in their media.
    public static let readTimeMergeThreshold: Int64 = 250_000
    /// Followers handled per transaction by a background fan-out.
    static let fanOutBatch = 2000

    /// Puts a new media in its author's feed at once, and in its followers' feeds either at once (few followers) or
    /// through a durable background job.
    static func fanOut(
        _ media: MediaID,
        author: UserID,
        followers: Int64,
        remoteFollowers: Int64 = 0,
        jobs: JobQueue,
        in tx: any SQLExecutor
    ) async throws {
        try await tx.execute(
            """
            INSERT INTO feed_entries (user_id, media_id, author_id) VALUES (\(author), \(media), \(author)) ON CONFLICT DO NOTHING
            """
        )
        if followers > readTimeMergeThreshold || followers == remoteFollowers {
            return
        } else if followers <= inlineFanOutLimit {
            _ = try await fanOutBatch(media, author: author, after: 0, limit: Int(inlineFanOutLimit) + 1, in: tx)
        } else {
            try await jobs.enqueue(FanOutJob(media: media.rawValue, author: author.rawValue), in: tx)
        }
    }

    /// Adds the media to the feeds of the next followers (in follow order) after the follow id `cursor`; followers on
    /// other servers have no feed here (their server keeps theirs).
    /// Answers the last follow id handled, or nil when no follower was left.
    static func fanOutBatch(_ media: MediaID, author: UserID, after cursor: Int64, limit: Int, in tx: any SQLExecutor) async throws -> Int64? {
        guard let last = try await batchEnd(author, after: cursor, limit: limit, in: tx) else { return nil }
        try await tx.execute(
            """
            INSERT INTO feed_entries (user_id, media_id, author_id)
            SELECT follower_id, \(media), \(author) FROM follows WHERE followee_id = \(author) AND id > \(cursor) AND id <= \(last)
               AND NOT EXISTS (SELECT 1 FROM remote_actors r WHERE r.user_id = follows.follower_id)
               AND EXISTS (SELECT 1 FROM media WHERE id = \(media))
               AND EXISTS (SELECT 1 FROM users u WHERE u.id = \(author) AND \(Visibility.present("u")))
            ON CONFLICT DO NOTHING
            """
        )
        return last
    }

    /// The follow id that ends the next batch of the author's followers after `cursor`; nil when none is left.
    private static func batchEnd(_ author: UserID, after cursor: Int64, limit: Int, in tx: any SQLExecutor) async throws -> Int64? {
        try await tx.query(
            """
            SELECT max(id) FROM (SELECT id FROM follows WHERE followee_id = \(author) AND id > \(cursor) ORDER BY id LIMIT \(limit)) AS batch
            """
        ).scalarInt()
    }

    /// Takes a deleted media out of its author's feed and its followers' — at once for few followers, else through a
    /// background job. Reads never show an entry whose media is gone, so the job only reclaims space.
    static func withdraw(_ media: MediaID, author: UserID, followers: Int64, jobs: JobQueue, in tx: any SQLExecutor) async throws {
        try await tx.execute("DELETE FROM feed_entries WHERE user_id = \(author) AND media_id = \(media)")
        if followers <= inlineFanOutLimit {
            _ = try await withdrawBatch(media, author: author, after: 0, limit: Int(inlineFanOutLimit) + 1, in: tx)
        } else {
            try await jobs.enqueue(WithdrawJob(media: media.rawValue, author: author.rawValue), in: tx)
        }
    }

    static func withdrawBatch(_ media: MediaID, author: UserID, after cursor: Int64, limit: Int, in tx: any SQLExecutor) async throws -> Int64? {
        guard let last = try await batchEnd(author, after: cursor, limit: limit, in: tx) else { return nil }
        try await tx.execute(
            """
            DELETE FROM feed_entries WHERE media_id = \(media) AND user_id IN
              (SELECT follower_id FROM follows WHERE followee_id = \(author) AND id > \(cursor) AND id <= \(last))
            """
        )
        return last
    }

    /// Takes a suspended account's media out of its followers' feeds (per follower: the feed's key leads with it).
    static func withdrawAll(of author: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute(
            """
            DELETE FROM feed_entries WHERE author_id = \(author)
               AND user_id IN (SELECT follower_id FROM follows WHERE followee_id = \(author))
            """
        )
    }

    /// Brings a reinstated account's media back into its followers' feeds, above each one's floor.
    static func restoreAll(of author: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute(
            """
            INSERT INTO feed_entries (user_id, media_id, author_id)
            SELECT f.follower_id, m.id, m.user_id FROM follows f JOIN users u ON u.id = f.follower_id JOIN media m ON m.user_id = f.followee_id
             WHERE f.followee_id = \(author) AND m.id > u.feed_floor
            ON CONFLICT DO NOTHING
            """
        )
    }

    /// The followed account's media above the follower's floor — its newest `backfillLimit` at most. When it has more
    /// than that above the floor, the floor rises to just below the oldest brought in.
    static func backfill(_ follower: UserID, from followee: UserID, in tx: any SQLExecutor) async throws {
        var floor = try await tx.query("SELECT feed_floor FROM users WHERE id = \(follower)").scalarInt() ?? 0
        if let cut = try await tx.query(
            """
            SELECT id FROM media WHERE user_id = \(followee) AND id > \(floor) ORDER BY id DESC LIMIT 1 OFFSET \(backfillLimit)
            """
        ).scalarInt() {
            try await raiseFloor(of: follower, to: cut, in: tx)
            floor = cut
        }
        try await tx.execute(
            """
            INSERT INTO feed_entries (user_id, media_id, author_id)
            SELECT \(follower), id, user_id FROM media WHERE user_id = \(followee) AND id > \(floor)
            ON CONFLICT DO NOTHING
            """
        )
    }

    /// The most entries a feed keeps; `trimOversized` cuts longer ones back to it.
    public static let capacity = 1000

    /// Cuts every feed longer than `capacity` back to it (raising its floor), a pass over all feeds. Answers how many
    /// feeds were cut. The job worker runs it now and then; nothing is lost, since reads below a floor go to the
    /// followed accounts directly.
    @discardableResult
    public static func trimOversized(capacity: Int = capacity, database: any Database) async throws -> Int {
        let oversized = try await database.query(
            """
            SELECT user_id FROM feed_entries GROUP BY user_id HAVING count(*) > \(capacity)
            """
        ).decode { try $0.id(UserID.self) }
        for user in oversized {
            try await database.transaction { tx in try await trim(user, keep: capacity, in: tx) }
        }
        return oversized.count
    }

    /// Bounds a feed to its newest `keep` entries, raising the floor to just below the oldest kept.
    static func trim(_ user: UserID, keep: Int, in tx: any SQLExecutor) async throws {
        guard
            let cut = try await tx.query(
                """
                SELECT media_id FROM feed_entries WHERE user_id = \(user) ORDER BY media_id DESC LIMIT 1 OFFSET \(keep)
                """
            ).scalarInt()
        else { return }
        try await tx.execute("DELETE FROM feed_entries WHERE user_id = \(user) AND media_id <= \(cut)")
        try await raiseFloor(of: user, to: cut, in: tx)
    }

    private static func raiseFloor(of user: UserID, to floor: Int64, in tx: any SQLExecutor) async throws {
        try await tx.execute("UPDATE users SET feed_floor = \(floor) WHERE id = \(user) AND feed_floor < \(floor)")
    }

    static func remove(author: UserID, from follower: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute("DELETE FROM feed_entries WHERE user_id = \(follower) AND author_id = \(author)")
    }
}
