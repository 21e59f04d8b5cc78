import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Hummingbird

/// `/p/{shortcode}/`: the page every media's `link` points at, shown to whoever may see the media, with the forms to
/// like, unlike, comment, delete a comment (its author, or the photo's owner), and for its owner to edit the caption and
/// alt text, download the originals and delete the photo. Every form goes through the same store calls, with the same
/// policies, as the API's endpoints.
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
        routes.post("/p/:shortcode/edit") { visit in
            let (media, user) = try mediaAndUser(visit)
            let caption = try Validation.caption(visit.form.value("caption") ?? "")
            var altTexts: [Int: String?] = [:]
            for (position, text) in visit.form.values("alt_text").enumerated() { altTexts[position] = try Validation.altText(text) }
            try await storage.mediaWriter.edit(media, by: user.id, caption: .some(caption), altTexts: altTexts)
            throw WebRedirect(location: "/p/\(Shortcode.encode(media))/?edited=1")
        }
        routes.get("/p/:shortcode/original") { visit in
            let (media, user) = try mediaAndUser(visit)
            let position = max(0, (visit.query.value("photo").flatMap(Int.init) ?? 1) - 1)
            guard let response = try await FileDownload.original(of: media, position: position, actor: user.id, in: storage) else {
                throw WebError(status: .notFound, message: "This photo was posted before Darkroom kept originals: only its renditions exist.")
            }
            return response
        }
        // Deleting asks first, on a page of its own (no script needed), and says afterwards that it is done.
        routes.get("/p/:shortcode/delete") { visit in
            let (media, user) = try mediaAndUser(visit)
            try await storage.media.authorize(.delete, media, actor: user.id)
            let code = Shortcode.encode(media)
            guard let shown = try await storage.media.tiles([media]).first else { throw WebError(status: .notFound, message: Self.missing) }
            let alt = shown.altText ?? shown.caption ?? "Your photo"
            return web.page(
                "delete-photo",
                title: "Delete this photo?",
                visit,
                [
                    "code": code, "picture": models.picture(shown.renditions, alt: alt, sizes: "200px", lazy: false),
                    "photos": shown.isCarousel ? "its photos" : "the photo",
                ]
            )
        }
        routes.post("/p/:shortcode/delete") { visit in
            let (media, user) = try mediaAndUser(visit)
            try await storage.deleteMedia.byOwner(media, actor: user.id)
            throw WebRedirect(location: "/p/\(Shortcode.encode(media))/deleted")
        }
        routes.post("/p/:shortcode/cancel") { visit in
            let (media, user) = try mediaAndUser(visit)
            guard try await storage.videoUploads.remove(media, by: user.id) else { throw WebError(status: .notFound, message: Self.missing) }
            throw WebRedirect(location: "/\(user.username)/")
        }
        routes.get("/p/:shortcode/deleted") { visit in
            let user = try visit.requireUser()
            return web.message(
                "Photo deleted",
                status: .ok,
                visit,
                notice: "Your photo is deleted, with its likes and comments.",
                links: [(href: "/\(user.username)/", label: "Back to your photos")]
            )
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

    /// The page's photo, if the visitor may see it; otherwise the same 404 whether or not it exists.
    static func visibleMedia(_ visit: Web.Visit, in storage: Storage) async throws -> MediaID {
        let id = try media(visit)
        do {
            try await storage.media.authorize(.view, id, actor: visit.user?.id)
        } catch is DomainError {
            throw WebError(status: .notFound, message: missing)
        }
        return id
    }

    private func mediaAndUser(_ visit: Web.Visit) throws -> (MediaID, User) {
        (try Self.media(visit), try visit.requireUser())
    }

    /// After a form: back where the person was (a page of this site), else the photo's page.
    private func back(_ visit: Web.Visit, _ media: MediaID) -> Response {
        web.redirect(to: Web.localPath(visit.form.value("next")) ?? "/p/\(Shortcode.encode(media))/")
    }

    @Sendable private func page(_ visit: Web.Visit) async throws -> Response {
        let id: MediaID
        do {
            id = try await Self.visibleMedia(visit, in: storage)
        } catch let missing as WebError {
            // A video still being processed, or failed, is its author's alone to see.
            guard let viewer = visit.user?.id, let upload = try await storage.videoUploads.find(try Self.media(visit)), upload.owner == viewer else {
                throw missing
            }
            return web.page(
                "processing",
                title: upload.state == .processing ? "Processing your video" : "Your video could not be posted",
                visit,
                [
                    "code": Shortcode.encode(upload.id), "processing": upload.state == .processing,
                    "failure": upload.failure ?? (upload.state == .failed ? "it could not be processed" : PageModels.absent),
                ]
            )
        }
        let viewer = visit.user?.id
        guard let media = try await storage.media.hydrate([id], viewer: viewer, hidingBlocked: viewer).first else {
            throw WebError(status: .notFound, message: Self.missing)
        }
        let comments = try await storage.comments.list(on: id, viewer: viewer, limit: 200)
        let links = web.dependencies.links
        var card = models.card(media, viewer: viewer, isOperator: visit.isOperator, comments: comments, returnTo: visit.path)
        let permalink = links.permalink(id)
        card["embedURL"] = permalink + "embed/"
        if viewer == media.owner.id { card["ownerTools"] = ownerTools(media) }
        card["taggedViewer"] = viewer.map { viewer in media.usersInPhoto.contains { $0.user.id == viewer } } ?? false
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
            ],
            notice: visit.query.value("edited") != nil
                ? "Saved." : visit.query.value("untagged") != nil ? "You are no longer tagged in this photo." : nil
        )
    }

    /// What the owner sees under their photo: the caption and each photo's alt text to edit, and each original to
    /// download (or why there is none).
    private func ownerTools(_ media: Media) -> [String: Any] {
        let code = Shortcode.encode(media.id)
        let photos = [(media.altText, media.hasOriginal)] + media.carouselItems.map { ($0.altText, $0.hasOriginal) }
        return [
            "code": code, "caption": media.caption?.text ?? "", "altLimit": Validation.altTextLength,
            "photos": photos.enumerated().map { index, photo -> [String: Any] in
                [
                    "number": index + 1, "label": photos.count > 1 ? "Photo \(index + 1): description" : "Description (alt text)",
                    "altText": photo.0 ?? "", "downloadLabel": photos.count > 1 ? "Download original \(index + 1)" : "Download the original",
                    "original": photo.1 ? "/p/\(code)/original?photo=\(index + 1)" : PageModels.absent,
                ]
            },
            "noOriginal": !photos.contains { $0.1 },
        ]
    }
}
