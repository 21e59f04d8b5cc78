import DarkroomCore

/// Deleting a media with its likes, comments, tags and people tagged, then its files: by its owner (the API's
/// `DELETE /media/{id}` and the photo page's button), or by an operator, whose entry in the moderation log commits
/// with the rows.
public struct DeleteMedia: Sendable {
    let media: MediaStore
    let writer: MediaWriter
    let moderation: ModerationStore
    let files: MediaFiles

    /// Deletes a media for `actor`, who must own it (`MediaPolicy`).
    public func byOwner(_ id: MediaID, actor: UserID) async throws {
        try await media.authorize(.delete, id, actor: actor)
        for key in try await writer.delete(id) ?? [] { await files.remove(key) }
    }

    /// Removes a media as its owner deleting it would, recording why; false when there is no such media.
    public func byOperator(_ id: MediaID, reason: String, actor: String) async throws -> Bool {
        let keys = try await writer.delete(id) { owner, tx in
            try await moderation.record("remove media", user: owner, media: id, reason: reason, actor: actor, in: tx)
        }
        guard let keys else { return false }
        for key in keys { await files.remove(key) }
        return true
    }
}
