import DarkroomCore

/// Comments on media, with each media's comment count and version kept in the same transaction.
public struct CommentStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    /// Rung after a write that tells someone of it, for this process's live streams (`ActivityStore`).
    let live: LiveSignal
    let jobs: JobQueue
    let federation: FederationSwitch

    /// Adds a comment. Hashtags in the media owner's own comments become tags of the media, as in captions. As with a
    /// like, the media must exist when the comment commits (a comment racing a delete is refused or removed with it),
    /// and with `checking`, `MediaPolicy` must allow it, in the same transaction.
    public func create(on media: MediaID, by user: UserID, text: String, checking action: MediaPolicy.Action? = nil) async throws -> Comment {
        let id = CommentID(environment.ids.next())
        let now = environment.nowSeconds
        let engine = database.engine
        defer { live.ring() }
        return try await database.transaction { tx in
            try await MediaStore.authorize(action, media, actor: user, in: tx, lock: .adding, engine: engine)
            try await tx.execute(
                """
                INSERT INTO comments (id, media_id, user_id, text, created_at) VALUES (\(id), \(media), \(user), \(text), \(now))
                """
            )
            let owner = try await tx.query("SELECT user_id, tags FROM media WHERE id = \(media)").decodeFirst { row in
                (id: try row.id(UserID.self), tags: try row.string())
            }
            if let owner, owner.id == user {
                try await MediaTags.add(Hashtags.extract(text), to: media, existing: owner.tags, at: id.rawValue, in: tx)
            }
            if let owner {
                try await ActivityStore.record(.comment, to: owner.id, by: user, media: media, comment: id, environment: environment, in: tx)
            }
            try await ActivityStore.recordMentions(in: text, by: user, media: media, comment: id, environment: environment, in: tx)
            if federation.isOn {
                let reply = FederateJob(.reply(media: media.rawValue, comment: id.rawValue))
                try await jobs.enqueue(reply, when: FederateJob.whenRemotePost(media, local: user), in: tx)
            }
            try await LiveEvents.announce(in: tx, engine: engine)
            // Read back in the transaction: a delete that follows the commit cannot make the answer fail.
            guard let comment = try await Self.find(id, on: media, in: tx) else { throw DomainError.vanished(.comment) }
            // Last, so other writes on this media wait on its row for the least time (`MediaStore.RowLock`).
            try await tx.execute("UPDATE media SET comment_count = comment_count + 1, \(MediaVersion.moves) WHERE id = \(media)")
            return comment
        }
    }

    /// A comment on a media, or its caption — the owner's first comment, with its own id — when `id` is the caption's.
    public func find(_ id: CommentID, on media: MediaID) async throws -> Comment? {
        try await Self.find(id, on: media, in: database)
    }

    private static func find(_ id: CommentID, on media: MediaID, in executor: any SQLExecutor) async throws -> Comment? {
        try await executor.query(
            """
            SELECT c.id, c.text, c.created_at, c.user_id, \(raw: Columns.userSummary)
              FROM comments c JOIN users u ON u.id = c.user_id WHERE c.id = \(id) AND c.media_id = \(media)
            UNION ALL
            SELECT m.caption_id, m.caption, m.created_at, m.user_id, \(raw: Columns.userSummary)
              FROM media m JOIN users u ON u.id = m.user_id WHERE m.id = \(media) AND m.caption_id = \(id) AND m.caption IS NOT NULL
            """
        ).decodeFirst(Self.comment)
    }

    /// Removes a comment for `actor`, who must see the media and be the comment's author or the media's owner
    /// (`CommentPolicy`): the API's `DELETE /media/{id}/comments/{id}` and the photo page's button alike.
    public func delete(_ id: CommentID, on media: MediaID, by actor: UserID) async throws {
        let owner = try await MediaStore.authorize(.view, media, actor: actor, in: database, lock: nil)
        guard let comment = try await find(id, on: media) else { throw DomainError.notFound(.comment) }
        try CommentPolicy.check(.delete, actor: actor, author: comment.from.id, mediaOwner: owner, actorCanSeeMedia: true)
        _ = try await delete(id, on: media)
    }

    /// Removes a comment, or the caption when `id` is the caption's (the media then has none; its comment count is
    /// unchanged, as a caption never counted); false if there was neither.
    public func delete(_ id: CommentID, on media: MediaID) async throws -> Bool {
        try await database.transaction { tx in try await delete(id, on: media, in: tx) != nil }
    }

    /// `delete(_:on:)` inside the caller's transaction, which answers whose the comment (or caption) was; nil if there
    /// was neither.
    @discardableResult
    func delete(_ id: CommentID, on media: MediaID, in tx: any SQLExecutor) async throws -> UserID? {
        if let author = try await tx.query("DELETE FROM comments WHERE id = \(id) AND media_id = \(media) RETURNING user_id").decodeFirst({
            try $0.id(UserID.self)
        }) {
            try await tx.execute("UPDATE media SET comment_count = comment_count - 1, \(MediaVersion.moves) WHERE id = \(media)")
            return author
        }
        return try await tx.query(
            """
            UPDATE media SET caption = NULL, caption_id = NULL, \(MediaVersion.moves) WHERE id = \(media) AND caption_id = \(id)
            RETURNING user_id
            """
        ).decodeFirst { try $0.id(UserID.self) }
    }

    /// A media's comments in the order they were made (the newest `limit`); users either side blocks are left out.
    public func list(on media: MediaID, viewer: UserID?, limit: Int = 1000) async throws -> [Comment] {
        try await database.query(
            """
            SELECT c.id, c.text, c.created_at, c.user_id, \(raw: Columns.userSummary)
              FROM comments c JOIN users u ON u.id = c.user_id
             WHERE c.media_id = \(media) AND \(Visibility.notBlocked(user: "u", viewer: viewer))
             ORDER BY c.id DESC LIMIT \(limit)
            """
        ).decode(Self.comment).reversed()
    }

    /// Reads `c.id, c.text, c.created_at, c.user_id, \(Columns.userSummary)`.
    private static func comment(_ row: inout Row) throws -> Comment {
        let id: CommentID = try row.id()
        let text = try row.string()
        let createdAt = try row.int()
        _ = try row.int()  // c.user_id, the join key; the summary carries the same id
        return Comment(id: id, text: text, createdAt: createdAt, from: try Columns.userSummary(&row))
    }
}
