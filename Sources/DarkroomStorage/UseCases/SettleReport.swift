import DarkroomCore

/// Settling a report: acting on it as an operator decided, recording that in the moderation log, and closing it
/// together with every other open report of the same thing.
public struct SettleReport: Sendable {
    let database: any Database
    let reports: ReportStore
    let moderation: ModerationStore
    let deleteMedia: DeleteMedia
    let removeComment: RemoveComment
    let suspendAccount: SuspendAccount

    /// What an operator does with a report.
    public enum Decision: String, Sendable, CaseIterable {
        /// Nothing to act on: the report is closed.
        case dismiss
        /// The reported photo or comment is removed (not possible for a report of an account).
        case remove
        /// The account reported (or whose photo or comment was reported) is suspended.
        case suspend
    }

    /// False when there is no such open report.
    public func callAsFunction(_ id: Int64, _ decision: Decision, reason: String, actor: String) async throws -> Bool {
        guard let report = try await reports.find(id), report.resolvedAt == nil else { return false }
        switch decision {
        case .dismiss:
            try await database.transaction { tx in
                try await moderation.record(
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
            case .media: _ = try await deleteMedia.byOperator(report.targetMedia!, reason: reason, actor: actor)
            case .comment: _ = try await removeComment(report.targetComment!, on: report.targetMedia!, reason: reason, actor: actor)
            }
        case .suspend:
            _ = try await suspendAccount.suspend(report.targetUser, reason: reason, actor: actor)
        }
        return try await reports.resolve(id, resolution: decision.rawValue, actor: actor)
    }
}
