import DarkroomCore

/// An operator removing a comment (or a caption), recording why and whose it was, in one transaction.
public struct RemoveComment: Sendable {
    let database: any Database
    let comments: CommentStore
    let moderation: ModerationStore

    /// False when there is no such comment on that media.
    public func callAsFunction(_ id: CommentID, on media: MediaID, reason: String, actor: String) async throws -> Bool {
        try await database.transaction { tx in
            guard let author = try await comments.delete(id, on: media, in: tx) else { return false }
            try await moderation.record("remove comment", user: author, media: media, comment: id, reason: reason, actor: actor, in: tx)
            return true
        }
    }
}
