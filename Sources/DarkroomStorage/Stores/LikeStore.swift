import DarkroomCore

/// Likes and comments on media, with the media's counts kept exact.
public struct LikeStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// Likes a media; liking twice is harmless.
    public func like(_ media: MediaID, by user: UserID) async throws {
        let id = environment.ids.next()
        try await database.transaction { tx in
            let inserted = try await tx.query("""
                INSERT INTO likes (id, media_id, user_id, created_at) VALUES (\(id), \(media), \(user), \(environment.nowSeconds))
                ON CONFLICT DO NOTHING RETURNING id
                """)
            guard !inserted.isEmpty else { return }
            try await tx.execute("UPDATE media SET like_count = like_count + 1, version = version + 1 WHERE id = \(media)")
        }
    }

    public func unlike(_ media: MediaID, by user: UserID) async throws {
        try await database.transaction { tx in
            let deleted = try await tx.query("DELETE FROM likes WHERE media_id = \(media) AND user_id = \(user) RETURNING id")
            guard !deleted.isEmpty else { return }
            try await tx.execute("UPDATE media SET like_count = like_count - 1, version = version + 1 WHERE id = \(media)")
        }
    }

    public func comment(on media: MediaID, by user: UserID, text: String) async throws -> CommentID {
        let id = CommentID(environment.ids.next())
        try await database.transaction { tx in
            try await tx.execute("""
                INSERT INTO comments (id, media_id, user_id, text, created_at) VALUES (\(id), \(media), \(user), \(text), \(environment.nowSeconds))
                """)
            try await tx.execute("UPDATE media SET comment_count = comment_count + 1, version = version + 1 WHERE id = \(media)")
        }
        return id
    }
}
