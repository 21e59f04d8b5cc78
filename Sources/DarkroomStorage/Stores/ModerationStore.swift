import DarkroomCore

/// The moderation log: what operators did, to what, who and why. The actions themselves are use cases
/// (`SuspendAccount`, `DeleteMedia.byOperator`, `RemoveComment`, `SettleReport`, `DeleteAccount`), each writing its
/// entry in the transaction of what it records.
public struct ModerationStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    public struct LogEntry: Sendable {
        public var id: Int64
        public var actor: String
        public var action: String
        public var targetUser: UserID?
        public var targetUsername: String?
        public var targetMedia: MediaID?
        public var targetComment: CommentID?
        public var reason: String
        public var createdAt: Int64
    }

    /// When the account was suspended, nil if it is not; for the operator, who sees suspended accounts.
    public func suspendedAt(_ user: UserID) async throws -> Int64? {
        try await database.query("SELECT suspended_at FROM users WHERE id = \(user)").decodeFirst { try $0.optionalInt() } ?? nil
    }

    /// The moderation log, newest first; of one account when `user` is given.
    public func log(user: UserID?, limit: Int) async throws -> [LogEntry] {
        let about: SQL = user.map { "WHERE l.target_user = \($0)" } ?? ""
        return try await database.query(
            """
            SELECT l.id, l.actor, l.action, l.target_user, u.username, l.target_media, l.target_comment, l.reason, l.created_at
              FROM moderation_log l LEFT JOIN users u ON u.id = l.target_user \(about)
             ORDER BY l.id DESC LIMIT \(limit)
            """
        ).decode { row in
            LogEntry(
                id: try row.int(),
                actor: try row.string(),
                action: try row.string(),
                targetUser: try row.optionalID(),
                targetUsername: try row.optionalString(),
                targetMedia: try row.optionalID(),
                targetComment: try row.optionalID(),
                reason: try row.string(),
                createdAt: try row.int()
            )
        }
    }

    /// Writes an entry of the moderation log inside the caller's transaction, so it commits with what it records.
    func record(
        _ action: String,
        user: UserID,
        media: MediaID? = nil,
        comment: CommentID? = nil,
        reason: String,
        actor: String,
        in tx: any SQLExecutor
    ) async throws {
        try await tx.execute(
            """
            INSERT INTO moderation_log (id, actor, action, target_user, target_media, target_comment, reason, created_at)
            VALUES (\(environment.ids.next()), \(actor), \(action), \(user), \(media?.rawValue), \(comment?.rawValue), \(reason),
                    \(environment.nowSeconds))
            """
        )
    }
}
