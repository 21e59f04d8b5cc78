import DarkroomCore

/// Comments on media, with each media's comment count and version kept in the same transaction.
public struct CommentStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// Adds a comment. Hashtags in the media owner's own comments become tags of the media, as in captions.
    public func create(on media: MediaID, by user: UserID, text: String) async throws -> Comment {
        let id = CommentID(environment.ids.next())
        let now = environment.nowSeconds
        try await database.transaction { tx in
            try await tx.execute("""
                INSERT INTO comments (id, media_id, user_id, text, created_at) VALUES (\(id), \(media), \(user), \(text), \(now))
                """)
            try await tx.execute("UPDATE media SET comment_count = comment_count + 1, version = version + 1 WHERE id = \(media)")
            let owner = try await tx.query("SELECT user_id, tags FROM media WHERE id = \(media)").first
            if let owner, owner.id(0, as: UserID.self) == user {
                try await MediaTags.add(Hashtags.extract(text), to: media, existing: owner.string(1), at: id.rawValue, in: tx)
            }
        }
        guard let comment = try await find(id, on: media) else { throw APIError.internalError }
        return comment
    }

    public func find(_ id: CommentID, on media: MediaID) async throws -> Comment? {
        try await database.query("""
            SELECT c.id, c.text, c.created_at, c.user_id, \(raw: Columns.userSummary)
              FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = \(id) AND c.media_id = \(media)
            """).first.map(Self.comment)
    }

    /// Removes a comment; false if there was none.
    public func delete(_ id: CommentID, on media: MediaID) async throws -> Bool {
        try await database.transaction { tx in
            let deleted = try await tx.query("DELETE FROM comments WHERE id = \(id) AND media_id = \(media) RETURNING id")
            guard !deleted.isEmpty else { return false }
            try await tx.execute("UPDATE media SET comment_count = comment_count - 1, version = version + 1 WHERE id = \(media)")
            return true
        }
    }

    /// A media's comments in the order they were made (the newest `limit`); users either side blocks are left out.
    public func list(on media: MediaID, viewer: UserID?, limit: Int = 1000) async throws -> [Comment] {
        try await database.query("""
            SELECT c.id, c.text, c.created_at, c.user_id, \(raw: Columns.userSummary)
              FROM comments c JOIN users u ON u.id = c.user_id
             WHERE c.media_id = \(media) AND \(Visibility.notBlocked(user: "u", viewer: viewer))
             ORDER BY c.id DESC LIMIT \(limit)
            """).map(Self.comment).reversed()
    }

    private static func comment(_ row: Row) -> Comment {
        Comment(id: row.id(0), text: row.string(1), createdAt: row.int(2), from: Columns.userSummary(row, at: 4))
    }
}
