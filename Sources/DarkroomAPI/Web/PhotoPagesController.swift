import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// `/p/{shortcode}/`: the page every media's `link` points at, shown to whoever may see the media, with the forms to
/// like, unlike, comment, delete a comment (its author, or the photo's owner) and delete the photo (its owner). Every
/// form goes through the same store calls, with the same policies, as the API's endpoints.
struct PhotoPagesController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var models: PageModels { PageModels(links: web.dependencies.links) }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/p/:shortcode", page)
        routes.post("/p/:shortcode/like") { visit in
            let (media, user) = try mediaAndUser(visit)
            try await storage.likes.like(media, by: user.id, checking: .like)
            return back(visit, media)
        }
        routes.post("/p/:shortcode/unlike") { visit in
            let (media, user) = try mediaAndUser(visit)
            try await storage.media.authorize(.like, media, actor: user.id)
            try await storage.likes.unlike(media, by: user.id)
            return back(visit, media)
        }
        routes.post("/p/:shortcode/comment") { visit in
            let (media, user) = try mediaAndUser(visit)
            let text = try Validation.comment(visit.form.value("text") ?? "")
            _ = try await storage.comments.create(on: media, by: user.id, text: text, checking: .comment)
            return back(visit, media)
        }
        routes.post("/p/:shortcode/comments/:comment/delete") { visit in
            let (media, user) = try mediaAndUser(visit)
            guard let comment = visit.path.split(separator: "/").dropFirst(3).first.flatMap({ CommentID(decimal: String($0)) })
            else { throw DomainError.notFound(.comment) }
            try await storage.comments.delete(comment, on: media, by: user.id)
            return back(visit, media)
        }
        routes.post("/p/:shortcode/delete") { visit in
            let (media, user) = try mediaAndUser(visit)
            try await storage.deleteMedia.byOwner(media, actor: user.id)
            throw WebRedirect(location: "/\(user.username)/")
        }
    }

    /// The media of the path (`/p/{shortcode}/…`), if the shortcode is one.
    static func media(_ visit: Web.Visit) throws -> MediaID {
        guard let code = visit.path.split(separator: "/").dropFirst().first, let id = Shortcode.decode(code) else {
            throw WebError(status: .notFound, message: Self.missing)
        }
        return id
    }

    static let missing = "This photo does not exist, or its owner's account is private."

    private func mediaAndUser(_ visit: Web.Visit) throws -> (MediaID, User) {
        (try Self.media(visit), try visit.requireUser())
    }

    /// After a form: back where the person was (a page of this site), else the photo's page.
    private func back(_ visit: Web.Visit, _ media: MediaID) -> Response {
        web.redirect(to: Web.localPath(visit.form.value("next")) ?? "/p/\(Shortcode.encode(media))/")
    }

    @Sendable private func page(_ visit: Web.Visit) async throws -> Response {
        let id = try Self.media(visit)
        let viewer = visit.user?.id
        do {
            try await storage.media.authorize(.view, id, actor: viewer)
        } catch is DomainError {
            throw WebError(status: .notFound, message: Self.missing)
        }
        guard let media = try await storage.media.hydrate([id], viewer: viewer, hidingBlocked: viewer).first else {
            throw WebError(status: .notFound, message: Self.missing)
        }
        let comments = try await storage.comments.list(on: id, viewer: viewer, limit: 200)
        let links = web.dependencies.links
        var card = models.card(media, viewer: viewer, isOperator: visit.isOperator, comments: comments, returnTo: visit.path)
        let permalink = links.permalink(id)
        card["embedURL"] = permalink + "embed/"
        return web.page(
            "photo",
            title: "Photo by @\(media.owner.username)",
            visit,
            [
                "card": card,
                "og": [
                    "title": "Photo by @\(media.owner.username)", "type": "article", "url": permalink,
                    "image": media.renditions.isPrivate ? false : links.rendition(media.renditions, "standard"),
                    "description": media.caption.map { $0.text } ?? false,
                    "oembed": media.renditions.isPrivate ? false : links.publicURL + "/oembed?url=" + Parameters.encode(permalink),
                ] as [String: Any],
            ]
        )
    }
}
