import DarkroomCore

/// People's reports of a photo, a comment or an account, and the operators' queue of them.
///
/// A report is filed only for what the reporter can see (the media and user policies decide) and is not their own
/// (`ReportPolicy`). A second report of the same thing by the same person while the first is open adds nothing, and a
/// person has at most `openLimit` open reports, so the queue cannot be flooded by one account.
public struct ReportStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let relationships: RelationshipStore
    /// A report about someone on another server is forwarded to it (`FederateJob.flag`).
    let jobs: JobQueue

    public static let openLimit = 50

    public struct Filing: Sendable {
        public var target: ReportTarget
        public var id: Int64
        public var reason: ReportReason
        public var details: String

        public init(target: ReportTarget, id: Int64, reason: ReportReason, details: String) {
            self.target = target
            self.id = id
            self.reason = reason
            self.details = details
        }
    }

    public struct Report: Sendable {
        public var id: Int64
        public var reporter: String
        public var target: ReportTarget
        public var targetUser: UserID
        public var targetUsername: String
        public var targetMedia: MediaID?
        public var targetComment: CommentID?
        /// The reported comment's (or caption's) text, while it exists.
        public var commentText: String?
        /// Whether the reported media (or the comment's media) still exists.
        public var mediaExists: Bool
        public var reason: String
        public var details: String
        public var createdAt: Int64
        public var resolvedAt: Int64?
        public var resolvedBy: String?
        public var resolution: String?
    }

    /// Files a report; answers its id (the earlier one's, when the same person already reported the same thing).
    @discardableResult
    public func file(_ filing: Filing, by reporter: UserID) async throws -> Int64 {
        let (owner, media, comment) = try await target(of: filing, reporter: reporter)
        try ReportPolicy.check(reporter: reporter, owner: owner)
        let id = environment.ids.next()
        return try await database.transaction { tx in
            if let earlier = try await tx.query(
                """
                SELECT id FROM reports WHERE reporter_id = \(reporter) AND resolved_at IS NULL AND target_kind = \(filing.target.rawValue)
                   AND target_user = \(owner) AND target_media IS NOT DISTINCT FROM \(media?.rawValue)
                   AND target_comment IS NOT DISTINCT FROM \(comment?.rawValue)
                """
            ).decodeFirst({ try $0.int() }) {
                return earlier
            }
            let open =
                try await tx.query("SELECT count(*) FROM reports WHERE reporter_id = \(reporter) AND resolved_at IS NULL")
                .decodeFirst { try $0.int() } ?? 0
            guard open < Self.openLimit else {
                throw DomainError.limitReached(.openReports, limit: Int(Self.openLimit))
            }
            try await tx.execute(
                """
                INSERT INTO reports (id, reporter_id, target_kind, target_user, target_media, target_comment, reason, details, created_at)
                VALUES (\(id), \(reporter), \(filing.target.rawValue), \(owner), \(media?.rawValue), \(comment?.rawValue),
                        \(filing.reason.rawValue), \(filing.details), \(environment.nowSeconds))
                """
            )
            try await jobs.enqueue(FederateJob(.flag(report: id)), when: FederateJob.whenRemote(owner, local: reporter), in: tx)
            return id
        }
    }

    /// Whose the reported thing is, and which media and comment it names, once the reporter is found to see it.
    private func target(of filing: Filing, reporter: UserID) async throws -> (UserID, MediaID?, CommentID?) {
        switch filing.target {
        case .media:
            let media = MediaID(filing.id)
            let owner = try await MediaStore.authorize(.view, media, actor: reporter, in: database, lock: nil)
            return (owner, media, nil)
        case .comment:
            let comment = CommentID(filing.id)
            let found = try await database.query(
                """
                SELECT media_id, user_id FROM comments WHERE id = \(comment)
                UNION ALL SELECT id, user_id FROM media WHERE caption_id = \(comment)
                """
            ).decodeFirst { (media: try $0.id(MediaID.self), author: try $0.id(UserID.self)) }
            guard let found else { throw DomainError.notFound(.comment) }
            do {
                try await MediaStore.authorize(.view, found.media, actor: reporter, in: database, lock: nil)
            } catch DomainError.notAllowed {
                throw DomainError.notFound(.comment)
            }
            return (found.author, found.media, comment)
        case .user:
            let user = UserID(filing.id)
            try await relationships.authorize(
                .viewProfile,
                actor: reporter,
                target: user
            )
            return (user, nil, nil)
        }
    }

    /// Open reports, oldest first (the queue), or every report, newest first.
    public func list(open: Bool, limit: Int) async throws -> [Report] {
        try await reports(open ? "WHERE r.resolved_at IS NULL ORDER BY r.id" : "ORDER BY r.id DESC", limit: limit)
    }

    public func find(_ id: Int64) async throws -> Report? {
        try await reports("WHERE r.id = \(id)", limit: 1).first
    }

    private func reports(_ which: SQL, limit: Int) async throws -> [Report] {
        try await database.query(
            """
            SELECT r.id, coalesce(reporter.username, ''), r.target_kind, r.target_user, coalesce(target.username, ''), r.target_media,
                   r.target_comment, coalesce(c.text, CASE WHEN m.caption_id = r.target_comment THEN m.caption END),
                   CASE WHEN m.id IS NULL THEN 0 ELSE 1 END, r.reason, r.details, r.created_at, r.resolved_at, r.resolved_by, r.resolution
              FROM reports r
              LEFT JOIN users reporter ON reporter.id = r.reporter_id
              LEFT JOIN users target ON target.id = r.target_user
              LEFT JOIN media m ON m.id = r.target_media
              LEFT JOIN comments c ON c.id = r.target_comment
             \(which) LIMIT \(limit)
            """
        ).decode(Self.report)
    }

    private static func report(_ row: inout Row) throws -> Report {
        Report(
            id: try row.int(),
            reporter: try row.string(),
            target: ReportTarget(rawValue: try row.string()) ?? .user,
            targetUser: try row.id(),
            targetUsername: try row.string(),
            targetMedia: try row.optionalID(),
            targetComment: try row.optionalID(),
            commentText: try row.optionalString(),
            mediaExists: try row.bool(),
            reason: try row.string(),
            details: try row.string(),
            createdAt: try row.int(),
            resolvedAt: try row.optionalInt(),
            resolvedBy: try row.optionalString(),
            resolution: try row.optionalString()
        )
    }

    /// Closes a report, and every other open report of the same thing, with what was done; false when it was closed.
    public func resolve(_ id: Int64, resolution: String, actor: String) async throws -> Bool {
        try await database.transaction { tx in
            guard
                let report = try await tx.query(
                    """
                    SELECT target_kind, target_user, target_media, target_comment FROM reports WHERE id = \(id) AND resolved_at IS NULL
                    """
                ).decodeFirst({ row in
                    (kind: try row.string(), user: try row.int(), media: try row.optionalInt(), comment: try row.optionalInt())
                })
            else { return false }
            try await tx.execute(
                """
                UPDATE reports SET resolved_at = \(environment.nowSeconds), resolved_by = \(actor), resolution = \(resolution)
                 WHERE resolved_at IS NULL AND target_kind = \(report.kind) AND target_user = \(report.user)
                   AND target_media IS NOT DISTINCT FROM \(report.media) AND target_comment IS NOT DISTINCT FROM \(report.comment)
                """
            )
            return true
        }
    }
}
