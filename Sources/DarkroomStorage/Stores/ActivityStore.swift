import DarkroomCore

/// What happened to each person — likes and comments on their photos, mentions, tags, follows, requests and
/// approvals — written by the action's own transaction (`record`), withdrawn with it (`withdraw`; the rest goes with
/// the like, comment, media or account it names, by foreign key), and read newest first with what the person has not
/// yet seen. Whose actions show is decided when they are read: an actor who is suspended, or blocked either way, is
/// left out, and so is a mention or a tag on a photo the person may not see.
public struct ActivityStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// How long activity is kept (`prune`, from the upkeep job).
    public static let defaultRetentionDays: Int64 = 90
    /// The most unread a count says exactly ("99+" past it).
    public static let unreadCeiling = 99
    /// The most people one caption or comment mentions.
    static let mentionsPerText = 10

    // MARK: - Written by the actions

    /// Notes `kind` for `recipient`, by `actor`; nothing when the two are one person.
    static func record(
        _ kind: Activity.Kind,
        to recipient: UserID,
        by actor: UserID,
        media: MediaID? = nil,
        comment: CommentID? = nil,
        environment: SystemEnvironment,
        in tx: any SQLExecutor
    ) async throws {
        guard recipient != actor else { return }
        try await tx.execute(
            """
            INSERT INTO activities (id, recipient_id, actor_id, kind, media_id, comment_id, created_at)
            VALUES (\(environment.ids.next()), \(recipient), \(actor), \(kind.rawValue), \(media), \(comment), \(environment.nowSeconds))
            """
        )
    }

    /// Takes back what `actor` did to `recipient` (a like taken back names its media; a follow ended, none).
    static func withdraw(
        _ kind: Activity.Kind,
        to recipient: UserID? = nil,
        by actor: UserID,
        media: MediaID? = nil,
        in tx: any SQLExecutor
    )
        async throws
    {
        let toRecipient: SQL = recipient.map { "AND recipient_id = \($0)" } ?? ""
        let onMedia: SQL = media.map { "AND media_id = \($0)" } ?? ""
        try await tx.execute("DELETE FROM activities WHERE actor_id = \(actor) AND kind = \(kind.rawValue) \(toRecipient) \(onMedia)")
    }

    /// Notes a mention for each person `text` names with `@username` who may see `media`, neither blocking the actor
    /// nor blocked by them; the actor's own name is passed over, and so is the photo's owner (told of the comment).
    static func recordMentions(
        in text: String,
        by actor: UserID,
        media: MediaID,
        comment: CommentID?,
        environment: SystemEnvironment,
        in tx: any SQLExecutor
    ) async throws {
        let names = Mentions.extract(text).prefix(mentionsPerText)
        guard !names.isEmpty else { return }
        for name in names {
            try await tx.execute(
                """
                INSERT INTO activities (id, recipient_id, actor_id, kind, media_id, comment_id, created_at)
                SELECT \(environment.ids.next()), r.id, \(actor), 'mention', m.id, \(comment), \(environment.nowSeconds)
                  FROM users r, media m JOIN users o ON o.id = m.user_id
                 WHERE r.username_lc = \(name) AND m.id = \(media) AND r.id <> \(actor) AND r.id <> o.id
                   AND \(Self.maySee(recipient: "r", owner: "o"))
                   AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = r.id AND b.blocked_id = \(actor))
                                                            OR (b.blocker_id = \(actor) AND b.blocked_id = r.id))
                """
            )
        }
    }

    /// A condition: the users row `recipient` may see the media of the users row `owner`.
    private static func maySee(recipient: String, owner: String) -> SQL {
        """
        (\(raw: owner).is_private = 0 OR \(raw: owner).id = \(raw: recipient).id
         OR EXISTS (SELECT 1 FROM follows af WHERE af.follower_id = \(raw: recipient).id AND af.followee_id = \(raw: owner).id))
        """
    }

    // MARK: - Read by their recipient

    /// The person's activity, newest first, `count` at most, before the `before` id (a page's cursor) when given.
    public func recent(for user: UserID, count: Int, before: Int64? = nil) async throws -> Paged<Activity> {
        let seen = try await database.query("SELECT activity_seen_id FROM users WHERE id = \(user)").scalarInt() ?? 0
        let bound: SQL = before.map { "AND a.id < \($0)" } ?? ""
        let rows = try await database.query(
            """
            SELECT a.id, a.kind, a.media_id, a.comment_id, c.text, a.created_at, \(raw: Columns.userSummary)
              FROM activities a JOIN users u ON u.id = a.actor_id
              LEFT JOIN comments c ON c.id = a.comment_id
              LEFT JOIN media m ON m.id = a.media_id LEFT JOIN users o ON o.id = m.user_id
             WHERE a.recipient_id = \(user) \(bound) AND \(Visibility.notBlocked(user: "u", viewer: user))
               AND (a.media_id IS NULL OR \(Visibility.mediaOf(owner: "o", viewer: user)))
             ORDER BY a.id DESC LIMIT \(count + 1)
            """
        ).decode { row -> Activity? in
            let id = try row.int()
            let kind = Activity.Kind(rawValue: try row.string())
            let media = try row.optionalInt().map(MediaID.init)
            let commentID = try row.optionalInt()
            let text = try row.optionalString()
            let createdAt = try row.int()
            let actor = try Columns.userSummary(&row)
            guard let kind else { return nil }
            let comment = zip(commentID, text).map { Activity.Comment(id: CommentID($0), text: $1) }
            return Activity(id: id, kind: kind, actor: actor, media: media, comment: comment, createdAt: createdAt, isUnread: id > seen)
        }
        let activities = rows.compactMap { $0 }
        let page = Array(activities.prefix(count))
        return Paged(items: page, nextCursor: activities.count > count ? page.last.map { String($0.id) } : nil)
    }

    /// How many of the person's activities came after what they last read, counted up to one past `unreadCeiling`.
    public func unreadCount(for user: UserID) async throws -> Int {
        Int(try await database.query("SELECT \(Self.unread(recipient: "r")) FROM users r WHERE r.id = \(user)").scalarInt() ?? 0)
    }

    /// The unread count as a column, for the users row aliased `recipient` (the page header's, read with the session).
    /// The actors a page would not show are not counted; the count stops one past `unreadCeiling`, so a flood of
    /// activity costs a page no more than that.
    static func unread(recipient alias: String) -> SQL {
        """
        (SELECT count(*) FROM (SELECT 1 FROM activities a JOIN users au ON au.id = a.actor_id
          WHERE a.recipient_id = \(raw: alias).id AND a.id > \(raw: alias).activity_seen_id AND \(Visibility.present("au"))
            AND NOT EXISTS (SELECT 1 FROM blocks ab WHERE (ab.blocker_id = au.id AND ab.blocked_id = \(raw: alias).id)
                                                     OR (ab.blocker_id = \(raw: alias).id AND ab.blocked_id = au.id))
          LIMIT \(Int64(unreadCeiling + 1))) unread)
        """
    }

    /// Marks everything up to `id` read (never moving back).
    public func markRead(_ user: UserID, upTo id: Int64) async throws {
        try await database.execute("UPDATE users SET activity_seen_id = \(id) WHERE id = \(user) AND activity_seen_id < \(id)")
    }

    /// Removes activity older than `days` days.
    public func prune(olderThanDays days: Int64 = defaultRetentionDays) async throws {
        try await database.execute("DELETE FROM activities WHERE created_at < \(environment.nowSeconds - days * 86_400)")
    }
}

private func zip<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
