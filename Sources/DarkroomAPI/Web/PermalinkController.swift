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
        let date = Date(timeIntervalSince1970: TimeInterval(media.createdAt)).formatted(date: .long, time: .omitted)
        let mayReport = viewer != nil && viewer != media.owner.id
        func report(_ target: ReportTarget, _ id: Int64, _ label: String) -> [String: Any]? {
            mayReport ? ReportForms.fields(target, id, label: label, returnTo: visit.path) : nil
        }
        var data: [String: Any] = [
            "owner": media.owner.username, "ownerPicture": links.profilePicture(media.owner.profilePicture), "date": date,
            "filter": media.filter, "image": links.rendition(media.renditions, "standard"), "size": media.renditions.standard,
            "alt": media.caption?.text ?? "Photo by @" + media.owner.username,
            "likes": "\(media.likeCount) \(media.likeCount == 1 ? "like" : "likes")",
            "comments": media.recentComments.map { comment -> [String: Any] in
                // An explicit false: Mustache would otherwise find the photo's own report form one level up.
                let form = comment.from.id == viewer ? nil : report(.comment, comment.id.rawValue, "Report this comment")
                return ["username": comment.from.username, "text": comment.text, "report": form ?? false]
            },
        ]
        data["caption"] = media.caption?.text
        data["place"] = media.location?.name
        data["report"] = report(.media, media.id.rawValue, "Report this photo")
        data["reportOwner"] = report(.user, media.owner.id.rawValue, "Report @\(media.owner.username)")
        return web.page("photo", title: "Photo by @\(media.owner.username)", visit, data)
    }
}
