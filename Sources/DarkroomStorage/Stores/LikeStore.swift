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
        let engine = database.engine
        try await database.transaction { tx in
            try await MediaStore.authorize(action, media, actor: user, in: tx, lock: .adding, engine: engine)
            let inserted = try await tx.query("""
                INSERT INTO likes (id, media_id, user_id, created_at) VALUES (\(id), \(media), \(user), \(environment.nowSeconds))
                ON CONFLICT DO NOTHING RETURNING id
                """)
            guard !inserted.isEmpty else { return }
            try await tx.execute("UPDATE media SET like_count = like_count + 1, version = version + 1 WHERE id = \(media)")
        }
    }

    /// Takes a like back; unliking what is not liked is harmless.
    public func unlike(_ media: MediaID, by user: UserID) async throws {
        let lock = MediaStore.RowLock.adding.clause(database.engine)
        try await database.transaction { tx in
            // The media held first, as `like` holds it, so a delete cannot slip between the two statements.
            _ = try await tx.query("SELECT m.id FROM media m WHERE m.id = \(media)\(raw: lock)")
            let deleted = try await tx.query("DELETE FROM likes WHERE media_id = \(media) AND user_id = \(user) RETURNING id")
            guard !deleted.isEmpty else { return }
            try await tx.execute("UPDATE media SET like_count = like_count - 1, version = version + 1 WHERE id = \(media)")
        }
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
