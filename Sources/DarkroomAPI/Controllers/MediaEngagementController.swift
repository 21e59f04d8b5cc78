import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/media/{media-id}/likes` and `/v1/media/{media-id}/comments`: who likes a media, what was said, and the
/// writes behind them. Every action first checks the viewer may see the media.
struct MediaEngagementController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.get("/media/:media_id/likes", likers)
        api.post("/media/:media_id/likes", like)
        api.delete("/media/:media_id/likes", unlike)
        api.get("/media/:media_id/comments", comments)
        api.post("/media/:media_id/comments", comment)
        api.delete("/media/:media_id/comments/:comment_id", deleteComment)
    }

    private var storage: Storage { dependencies.storage }

    /// GET /media/{media-id}/likes
    @Sendable func likers(_ request: APIRequest) async throws -> Response {
        let media = try request.mediaID()
        _ = try await storage.media.requireVisible(media, viewer: request.viewer)
        let users = try await storage.likes.likers(of: media, viewer: request.viewer)
        let serializer = dependencies.users
        return Envelope.success { writer in writer.array(users) { serializer.mini($1, into: &$0) } }
    }

    /// POST /media/{media-id}/likes
    @Sendable func like(_ request: APIRequest) async throws -> Response {
        let (media, viewer, _) = try await visibleMedia(request)
        try await storage.likes.like(media, by: viewer)
        return Envelope.success { $0.null() }
    }

    /// DELETE /media/{media-id}/likes
    @Sendable func unlike(_ request: APIRequest) async throws -> Response {
        let (media, viewer, _) = try await visibleMedia(request)
        try await storage.likes.unlike(media, by: viewer)
        return Envelope.success { $0.null() }
    }

    /// GET /media/{media-id}/comments
    @Sendable func comments(_ request: APIRequest) async throws -> Response {
        let media = try request.mediaID()
        _ = try await storage.media.requireVisible(media, viewer: request.viewer)
        let comments = try await storage.comments.list(on: media, viewer: request.viewer)
        let serializer = CommentSerializer(users: dependencies.users)
        return Envelope.success { writer in writer.array(comments) { serializer.comment($1, into: &$0) } }
    }

    /// POST /media/{media-id}/comments (`text`) — answers the new comment.
    @Sendable func comment(_ request: APIRequest) async throws -> Response {
        guard let raw = request.parameters.value("text") else { throw APIError.missingParameter("text") }
        let text = try Validation.comment(raw)
        let (media, viewer, _) = try await visibleMedia(request)
        let comment = try await storage.comments.create(on: media, by: viewer, text: text)
        let serializer = CommentSerializer(users: dependencies.users)
        return Envelope.success { serializer.comment(comment, into: &$0) }
    }

    /// DELETE /media/{media-id}/comments/{comment-id} — by the comment's author or the media's owner.
    @Sendable func deleteComment(_ request: APIRequest) async throws -> Response {
        let (media, viewer, owner) = try await visibleMedia(request)
        guard let commentID = CommentID(decimal: request.pathParameters["comment_id"] ?? ""),
              let comment = try await storage.comments.find(commentID, on: media)
        else { throw APIError.notFound("invalid comment id") }
        guard comment.from.id == viewer || owner == viewer else {
            throw APIError(type: "APINotAllowedError", code: 400, message: "you cannot delete this comment")
        }
        _ = try await storage.comments.delete(commentID, on: media)
        return Envelope.success { $0.null() }
    }

    /// The media of the path, which the signed-in viewer may see and so act on (the visibility rule covers blocks).
    private func visibleMedia(_ request: APIRequest) async throws -> (media: MediaID, viewer: UserID, owner: UserID) {
        let media = try request.mediaID()
        let viewer = try request.requireViewer()
        let owner = try await storage.media.requireVisible(media, viewer: viewer)
        return (media, viewer, owner)
    }
}
