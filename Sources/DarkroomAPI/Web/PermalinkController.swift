import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// `/p/{shortcode}/`: the page every media's `link` points at — the photo, who posted it, its caption, likes and
/// latest comments — shown to whoever may see the media (a signed-in approved follower sees a private account's).
struct PermalinkController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    func addRoutes(to routes: WebRoutes) {
        routes.get("/p/:shortcode", page)
    }

    @Sendable private func page(_ visit: Web.Visit) async throws -> Response {
        let code = visit.path.split(separator: "/").dropFirst().first ?? ""
        let missing = WebError(status: .notFound, message: "This photo does not exist, or its owner's account is private.")
        guard let id = Shortcode.decode(code) else { throw missing }
        let viewer = visit.user?.id
        do {
            try await storage.media.authorize(.view, id, actor: viewer)
        } catch is DomainError {
            throw missing
        }
        guard let media = try await storage.media.hydrate([id], viewer: viewer, hidingBlocked: viewer).first else { throw missing }
        let links = web.dependencies.links
        let owner = HTML.escape(media.owner.username)
        let caption = media.caption.map { "<p id=\"caption\"><strong>\(owner)</strong> \(HTML.escape($0.text))</p>" } ?? ""
        let place = media.location?.name.map { "<p id=\"location\">📍 \(HTML.escape($0))</p>" } ?? ""
        let comments = media.recentComments.map { "<li><strong>\(HTML.escape($0.from.username))</strong> \(HTML.escape($0.text))</li>" }.joined()
        let date = Date(timeIntervalSince1970: TimeInterval(media.createdAt)).formatted(date: .long, time: .omitted)
        return web.page("Photo by @\(media.owner.username)", visit, body: """
            <p><img src="\(HTML.escape(links.profilePicture(media.owner.profilePicture)))" width="32" height="32" alt="">
            <strong id="owner">@\(owner)</strong> · \(HTML.escape(date)) · \(HTML.escape(media.filter))</p>
            <p><img id="photo" src="\(HTML.escape(links.rendition(media.renditions, "standard")))" width="\(media.renditions.standard)"
            height="\(media.renditions.standard)" style="max-width:100%;height:auto" alt="\(HTML.escape(media.caption?.text ?? "Photo by @" + media.owner.username))"></p>
            \(place)<p id="likes">\(media.likeCount) \(media.likeCount == 1 ? "like" : "likes")</p>\(caption)
            <ul id="comments">\(comments)</ul>
            """)
    }
}
