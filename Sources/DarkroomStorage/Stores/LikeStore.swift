import DarkroomCore

/// Likes on media, with each media's like count and version kept in the same transaction.
public struct LikeStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// Likes a media; liking twice is harmless. The media must exist when the like commits — checked in its transaction,
    /// so a like racing a delete is either removed with the media or refused (`notFound(.media)`), never left behind —
    /// and, with `checking`, `MediaPolicy` must allow it there too (the API's path; data set-up may skip it).
    public func like(_ media: MediaID, by user: UserID, checking action: MediaPolicy.Action? = nil) async throws {
        let id = environment.ids.next()
        let now = environment.nowSeconds
        guard database.engine == .sqlite else { return try await likeInOneStatement(media, by: user, id: id, now: now, checking: action) }
        try await database.transaction { tx in
            try await MediaStore.authorize(action, media, actor: user, in: tx, lock: .adding, engine: .sqlite)
            let inserted = try await tx.query("""
                INSERT INTO likes (id, media_id, user_id, created_at) VALUES (\(id), \(media), \(user), \(now))
                ON CONFLICT DO NOTHING RETURNING id
                """)
            guard !inserted.isEmpty else { return }
            try await tx.execute("UPDATE media SET like_count = like_count + 1, version = version + 1 WHERE id = \(media)")
        }
    }

    /// Takes a like back; unliking what is not liked is harmless.
    public func unlike(_ media: MediaID, by user: UserID) async throws {
        guard database.engine == .sqlite else {
            // PostgreSQL: as `likeInOneStatement`, one statement, with the media held as a like holds it.
            try await database.execute("""
                WITH target AS (SELECT m.id FROM media m WHERE m.id = \(media) FOR KEY SHARE OF m),
                     deleted AS (DELETE FROM likes WHERE media_id IN (SELECT id FROM target) AND user_id = \(user) RETURNING media_id)
                UPDATE media SET like_count = like_count - 1, version = version + 1 WHERE id IN (SELECT media_id FROM deleted)
                """)
            return
        }
        try await database.transaction { tx in
            let deleted = try await tx.query("DELETE FROM likes WHERE media_id = \(media) AND user_id = \(user) RETURNING id")
            guard !deleted.isEmpty else { return }
            try await tx.execute("UPDATE media SET like_count = like_count - 1, version = version + 1 WHERE id = \(media)")
        }
    }

    /// PostgreSQL's like: hand-written as one statement (its own transaction) because the general shape — BEGIN, the
    /// policy's read holding the media, INSERT, UPDATE, COMMIT — is five round trips, and they were most of a like's
    /// cost there (`darkroom bench writes`). The policy is read first, for its exact error; the statement then holds
    /// the media with the same key-share lock and inserts only if the media is still there and still visible to the
    /// user, so a delete or a block that slips in between leaves nothing behind (`notFound(.media)`), as in SQLite's
    /// single transaction.
    private func likeInOneStatement(_ media: MediaID, by user: UserID, id: Int64, now: Int64, checking action: MediaPolicy.Action?) async throws {
        if let action { try await MediaStore.authorize(action, media, actor: user, in: database, lock: nil) }
        let stillAllowed: SQL = action == nil ? "1 = 1" : Visibility.mediaOf(owner: "u", viewer: user)
        let found = try await database.query("""
            WITH target AS (SELECT m.id FROM media m JOIN users u ON u.id = m.user_id
                             WHERE m.id = \(media) AND \(stillAllowed) FOR KEY SHARE OF m),
                 inserted AS (INSERT INTO likes (id, media_id, user_id, created_at) SELECT \(id), id, \(user), \(now) FROM target
                              ON CONFLICT DO NOTHING RETURNING media_id),
                 counted AS (UPDATE media SET like_count = like_count + 1, version = version + 1
                              WHERE id IN (SELECT media_id FROM inserted) RETURNING id)
            SELECT count(*) FROM target
            """).scalarInt() ?? 0
        if found == 0 { throw DomainError.notFound(.media) }
    }

    /// The users who like a media, most recent first, at most `limit`; users either side blocks are left out.
    public func likers(of media: MediaID, viewer: UserID?, limit: Int = 1000) async throws -> [UserSummary] {
        try await database.query("""
            SELECT \(raw: Columns.userSummary) FROM likes l JOIN users u ON u.id = l.user_id
             WHERE l.media_id = \(media) AND \(Visibility.notBlocked(user: "u", viewer: viewer))
             ORDER BY l.id DESC LIMIT \(limit)
            """).decode(Columns.userSummary)
    }
}
