import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/{username}/followers/` and `/{username}/following/`: who follows an account and whom it follows, for everyone
/// who may see its photos (`UserPolicy.viewMediaAndLists`, as the API's lists), a page at a time by cursor, each person
/// with the viewer's own follow button; on their own followers page a person can remove a follower. And who liked a
/// photo, `/p/{code}/likes/`, for whoever may see the photo.
struct FollowListsController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    static let pageSize = 50

    func addRoutes(to routes: WebRoutes) {
        routes.get("/:username/followers") { try await list($0, followers: true) }
        routes.get("/:username/following") { try await list($0, followers: false) }
        routes.get("/p/:shortcode/likes", likers)
    }

    /// `/p/{code}/likes/`: who liked a photo, for whoever may see it, most recent first.
    @Sendable private func likers(_ visit: Web.Visit) async throws -> Response {
        let media = try await PhotoPagesController.visibleMedia(visit, in: storage)
        let viewer = visit.user?.id
        let page = try await storage.likes.likers(of: media, viewer: viewer, count: Self.pageSize, before: try visit.cursor("before"))
        let path = "/p/\(Shortcode.encode(media))/"
        return web.page(
            "likers",
            title: "Liked by",
            visit,
            [
                "photo": path, "people": try await PeopleRows(web: web).rows(page.items, viewer: viewer, returnTo: visit.pathAndQuery),
                "older": page.nextCursor.map { "\(path)likes/?before=\($0)" } ?? PageModels.absent,
            ]
        )
    }

    private func list(_ visit: Web.Visit, followers: Bool) async throws -> Response {
        let name = visit.path.split(separator: "/").first.map(String.init) ?? ""
        guard let owner = try await storage.users.find(username: name) else { throw DomainError.notFound(.user) }
        let viewer = visit.user?.id
        try await storage.relationships.authorize(.viewMediaAndLists, actor: viewer, target: owner.id)
        let cursor = try visit.cursor("cursor")
        let page =
            followers
            ? try await storage.relationships.followers(of: owner.id, count: Self.pageSize, cursor: cursor, viewer: viewer)
            : try await storage.relationships.follows(of: owner.id, count: Self.pageSize, cursor: cursor, viewer: viewer)
        let removable = followers && viewer == owner.id
        let people = try await PeopleRows(web: web).rows(page.items, viewer: viewer, returnTo: visit.pathAndQuery).map { row in
            var row = row
            row["removable"] = removable
            return row
        }
        let path = "/\(owner.username)/\(followers ? "followers" : "following")/"
        return web.page(
            "people-list",
            title: followers ? "Followers of @\(owner.username)" : "Followed by @\(owner.username)",
            visit,
            [
                "owner": owner.username, "onFollowers": followers, "people": people,
                "followers": PageModels.count(owner.counts.followedBy, "follower", "followers"),
                "following": "\(owner.counts.follows) following",
                "emptyText": followers ? "No followers yet." : "Not following anyone yet.",
                "older": page.nextCursor.map { "\(path)?cursor=\($0)" } ?? PageModels.absent,
            ]
        )
    }
}
