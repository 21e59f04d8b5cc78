import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// `/accounts/activity`: what happened to the signed-in person, newest first and grouped (`ActivityGroup`), each line
/// with who did it and the photo it was about. Opening the first page marks everything on it read, which clears the
/// count the navigation shows.
struct ActivityController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var models: PageModels { PageModels(links: web.dependencies.links) }

    static let pageSize = 30

    func addRoutes(to routes: WebRoutes) {
        routes.get("/accounts/activity", activity)
    }

    @Sendable private func activity(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let before = visit.query.value("before").flatMap(Int64.init)
        let page = try await storage.activity.recent(for: user.id, count: Self.pageSize, before: before)
        let tiles = try await storage.media.tiles(Array(Set(page.items.compactMap(\.media))))
        let thumbnails = Dictionary(tiles.map { ($0.id, models.thumbnail($0)) }, uniquingKeysWith: { first, _ in first })
        let groups = ActivityGroup.group(page.items).map { group -> [String: Any] in
            [
                "kind": group.kind.rawValue, "unread": group.isUnread, "sentence": group.sentence,
                "first": models.person(group.actors[0]),
                "second": group.actors.count == 2 ? models.person(group.actors[1]) : PageModels.absent,
                "others": group.others > 0 ? PageModels.count(Int64(group.others), "other", "others") : PageModels.absent,
                "comment": group.comment.map { ["runs": PageModels.runs($0.text)] } ?? PageModels.absent,
                "thumbnail": group.media.flatMap { thumbnails[$0] } ?? PageModels.absent,
                "date": PageModels.date(group.createdAt, time: true),
                "iso": Date(timeIntervalSince1970: TimeInterval(group.createdAt)).ISO8601Format(),
                "isRequest": group.kind == .request,
            ]
        }
        var visit = visit
        if before == nil, let newest = page.items.first {
            try await storage.activity.markRead(user.id, upTo: newest.id)
            visit.unreadActivity = 0
        }
        return web.page(
            "accounts/activity",
            title: "Activity",
            visit,
            ["groups": groups, "older": page.nextCursor.map { "/accounts/activity?before=\($0)" } ?? PageModels.absent]
        )
    }
}
