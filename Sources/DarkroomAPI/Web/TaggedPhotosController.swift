import DarkroomCore
import DarkroomStorage
import Hummingbird

/// "Photos of you": `/{username}/tagged/`, the photos an account is tagged in, as a grid, for whoever may see the
/// account's own photos — and of those photos only the ones the viewer may see (`MediaStore.taggedIn`). The person
/// tagged can take themselves out of a photo from its page (`/p/{code}/untag`).
struct TaggedPhotosController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var models: PageModels { PageModels(links: web.dependencies.links) }

    static let gridSize = 24

    func addRoutes(to routes: WebRoutes) {
        routes.get("/:username/tagged", tagged)
        routes.post("/p/:shortcode/untag") { visit in
            let user = try visit.requireUser()
            let media = try PhotoPagesController.media(visit)
            _ = try await storage.mediaWriter.untag(user.id, from: media)
            return web.redirect(to: "/p/\(Shortcode.encode(media))/?untagged=1")
        }
    }

    @Sendable private func tagged(_ visit: Web.Visit) async throws -> Response {
        let name = visit.path.split(separator: "/").first.map(String.init) ?? ""
        guard let owner = try await storage.users.find(username: name) else { throw DomainError.notFound(.user) }
        let viewer = visit.user?.id
        try await storage.relationships.authorize(.viewMediaAndLists, actor: viewer, target: owner.id)
        let before = try visit.cursor("max_id")
        let page = try await storage.media.taggedIn(owner.id, viewer: viewer, page: MediaPageRequest(count: Self.gridSize, maxID: before))
        let tiles = try await storage.media.tiles(page.media)
        let path = "/\(owner.username)/tagged/"
        return web.page(
            "tagged",
            title: "Photos of @\(owner.username)",
            visit,
            [
                "owner": owner.username, "tiles": models.grid(tiles),
                "older": page.more ? page.media.last.map { "\(path)?max_id=\($0.rawValue)" } ?? PageModels.absent : PageModels.absent,
                "emptyText": viewer == owner.id ? "No one has tagged you in a photo yet." : "No photos of @\(owner.username) yet.",
            ]
        )
    }
}
