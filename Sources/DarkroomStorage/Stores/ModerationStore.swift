import DarkroomCore

/// Operators' actions on accounts, each recorded in the moderation log with who did it and why.
///
/// A suspended account disappears at once: the visibility rule (`Visibility.present`) leaves it and everything of it
/// out of every list and lookup, its tokens and web sessions stop working, its media leave its followers' feeds, and
/// the media it liked, commented on or appears in are re-rendered without it. Unsuspending brings all of it back.
/// Nothing is deleted: counts keep what the account did while it is hidden.
public struct ModerationStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let grants: GrantCache
    let mediaWriter: MediaWriter

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

    /// Suspends an account; false when it already was.
    public func suspend(_ user: UserID, reason: String, actor: String) async throws -> Bool {
        let now = environment.nowSeconds
        let changed = try await database.transaction { tx -> Bool in
            let updated = try await tx.query(
                """
                UPDATE users SET suspended_at = \(now) WHERE id = \(user) AND suspended_at IS NULL RETURNING id
                """
            )
            guard !updated.isEmpty else { return false }
            try await tx.execute("DELETE FROM web_sessions WHERE user_id = \(user)")
            try await HomeFeed.withdrawAll(of: user, in: tx)
            try await MediaVersion.moveAllShowing(user, in: tx)
            try await record("suspend", user: user, reason: reason, actor: actor, in: tx)
            return true
        }
        // The account's tokens stop in this process now, in the others within about a second (`GrantCache`).
        if changed { await grants.changed() }
        return changed
    }

    /// Reinstates a suspended account; false when it was not suspended.
    public func unsuspend(_ user: UserID, reason: String, actor: String) async throws -> Bool {
        let changed = try await database.transaction { tx -> Bool in
            let updated = try await tx.query("UPDATE users SET suspended_at = NULL WHERE id = \(user) AND suspended_at IS NOT NULL RETURNING id")
            guard !updated.isEmpty else { return false }
            try await HomeFeed.restoreAll(of: user, in: tx)
            try await MediaVersion.moveAllShowing(user, in: tx)
            try await record("unsuspend", user: user, reason: reason, actor: actor, in: tx)
            return true
        }
        if changed { await grants.changed() }
        return changed
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

    /// Removes a media with its likes, comments and files (as its owner deleting it would), recording why; false when
    /// there is no such media.
    public func removeMedia(_ id: MediaID, reason: String, actor: String, files: MediaFiles) async throws -> Bool {
        // The log entry commits with the removal, or neither does.
        let key = try await mediaWriter.delete(id) { owner, tx in
            try await record("remove media", user: owner, media: id, reason: reason, actor: actor, in: tx)
        }
        guard let key else { return false }
        await files.remove(key)
        return true
    }

    /// Removes a comment (or a caption), recording why and whose it was; false when there is no such comment.
    public func removeComment(_ id: CommentID, on media: MediaID, reason: String, actor: String) async throws -> Bool {
        let author = try await database.query(
            """
            SELECT user_id FROM comments WHERE id = \(id) AND media_id = \(media)
            UNION ALL SELECT user_id FROM media WHERE id = \(media) AND caption_id = \(id)
            """
        ).decodeFirst { try $0.id(UserID.self) }
        guard let author, try await CommentStore(database: database, environment: environment).delete(id, on: media) else { return false }
        try await database.transaction { tx in
            try await record("remove comment", user: author, media: media, comment: id, reason: reason, actor: actor, in: tx)
        }
        return true
    }

    /// What an operator does with a report.
    public enum Decision: String, Sendable, CaseIterable {
        /// Nothing to act on: the report is closed.
        case dismiss
        /// The reported photo or comment is removed (not possible for a report of an account).
        case remove
        /// The account reported (or whose photo or comment was reported) is suspended.
        case suspend
    }

    /// Settles a report: acts on it as decided, records that in the moderation log, and closes it together with every
    /// other open report of the same thing. False when there is no such open report.
    public func settle(report id: Int64, _ decision: Decision, reason: String, actor: String, files: MediaFiles) async throws -> Bool {
        let reports = ReportStore(database: database, environment: environment, grants: grants)
        guard let report = try await reports.find(id), report.resolvedAt == nil else { return false }
        switch decision {
        case .dismiss:
            try await database.transaction { tx in
                try await record(
                    "dismiss report",
                    user: report.targetUser,
                    media: report.targetMedia,
                    comment: report.targetComment,
                    reason: reason,
                    actor: actor,
                    in: tx
                )
            }
        case .remove:
            switch report.target {
            case .user: throw DomainError.invalidInput(field: "action", reason: "an account is suspended, not removed")
            case .media: _ = try await removeMedia(report.targetMedia!, reason: reason, actor: actor, files: files)
            case .comment: _ = try await removeComment(report.targetComment!, on: report.targetMedia!, reason: reason, actor: actor)
            }
        case .suspend:
            _ = try await suspend(report.targetUser, reason: reason, actor: actor)
        }
        return try await reports.resolve(id, resolution: decision.rawValue, actor: actor)
    }

    private func record(
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
