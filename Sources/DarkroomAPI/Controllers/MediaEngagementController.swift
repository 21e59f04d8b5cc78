import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/media/{media-id}/likes` and `/v1/media/{media-id}/comments`: who likes a media, what was said, and the
/// writes behind them. Every action first checks the viewer may see the media.
struct MediaEngagementController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.likes, likers)
        api.add(.like, like)
        api.add(.unlike, unlike)
        api.add(.comments, comments)
        api.add(.comment, comment)
        api.add(.deleteComment, deleteComment)
    }

    private var storage: Storage { dependencies.storage }

    /// GET /media/{media-id}/likes
    @Sendable func likers(_ request: APIRequest) async throws -> Response {
        let media = try request.mediaID()
        try await storage.media.authorize(.view, media, actor: request.viewer)
        let users = try await storage.likes.likers(of: media, viewer: request.viewer)
        let serializer = dependencies.users
        return Envelope.success { writer in writer.array(users) { serializer.mini($1, into: &$0) } }
    }

    /// POST /media/{media-id}/likes
    @Sendable func like(_ request: APIRequest) async throws -> Response {
        let (media, viewer) = try (request.mediaID(), request.requireViewer())
        try await storage.likes.like(media, by: viewer, checking: .like)
        return Envelope.success { $0.null() }
    }

    /// DELETE /media/{media-id}/likes
    @Sendable func unlike(_ request: APIRequest) async throws -> Response {
        let (media, viewer) = try await authorize(.like, request)
        try await storage.likes.unlike(media, by: viewer)
        return Envelope.success { $0.null() }
    }

    /// GET /media/{media-id}/comments
    @Sendable func comments(_ request: APIRequest) async throws -> Response {
        let media = try request.mediaID()
        try await storage.media.authorize(.view, media, actor: request.viewer)
        let comments = try await storage.comments.list(on: media, viewer: request.viewer)
        let serializer = CommentSerializer(users: dependencies.users)
        return Envelope.success { writer in writer.array(comments) { serializer.comment($1, into: &$0) } }
    }

    /// POST /media/{media-id}/comments (`text`) — answers the new comment.
    @Sendable func comment(_ request: APIRequest) async throws -> Response {
        guard let raw = request.parameters.value("text") else { throw APIError.missingParameter("text") }
        let text = try Validation.comment(raw)
        let (media, viewer) = try (request.mediaID(), request.requireViewer())
        let comment = try await storage.comments.create(on: media, by: viewer, text: text, checking: .comment)
        let serializer = CommentSerializer(users: dependencies.users)
        return Envelope.success { serializer.comment(comment, into: &$0) }
    }

    /// DELETE /media/{media-id}/comments/{comment-id} — by the comment's author or the media's owner.
    @Sendable func deleteComment(_ request: APIRequest) async throws -> Response {
        let (media, viewer) = try (request.mediaID(), request.requireViewer())
        guard let commentID = CommentID(decimal: request.pathParameters["comment_id"] ?? "") else { throw DomainError.notFound(.comment) }
        try await storage.comments.delete(commentID, on: media, by: viewer)
        return Envelope.success { $0.null() }
    }

    /// The media of the path and the signed-in viewer, once `MediaPolicy` allows the action.
    private func authorize(_ action: MediaPolicy.Action, _ request: APIRequest) async throws -> (media: MediaID, viewer: UserID) {
        let media = try request.mediaID()
        let viewer = try request.requireViewer()
        try await storage.media.authorize(action, media, actor: viewer)
        return (media, viewer)
    }
}
