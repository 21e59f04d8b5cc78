import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/explore/`: popular public photos, ranked as the API's `/media/popular` ranks them and a page at a time, with the
/// tags used most this week and people to follow above the first page — the same for visitors, who are suggested
/// public accounts only. The lists come through `CachedExplore`, so they may be a minute old.
struct ExploreController {
    let web: Web
    var storage: Storage { web.dependencies.storage }

    static let gridSize = 24
    static let tagCount = 12
    static let peopleCount = 6

    func addRoutes(to routes: WebRoutes) {
        routes.get("/explore", explore)
    }

    @Sendable private func explore(_ visit: Web.Visit) async throws -> Response {
        let viewer = visit.user?.id
        var cursor: PopularCursor?
        if let raw = visit.query.value("after") {
            guard let parsed = PopularCursor(parsing: raw) else { throw WebError(status: .badRequest, message: "That page does not exist.") }
            cursor = parsed
        }
        let lists = storage.exploreLists
        let page = try await lists.popular(count: Self.gridSize, after: cursor, hidingFrom: visit.involvedInBlocks ? viewer : nil)
        let grid = web.photoGrid(
            page.tiles,
            older: page.nextCursor.map { "/explore/?after=\($0)" } ?? PageModels.absent,
            emptyText: "No photos have been posted yet."
        )
        var data: [String: Any] = ["gridHTML": grid, "hasTags": false, "hasPeople": false, "signedIn": viewer != nil]
        if cursor == nil {
            let tags = try await lists.trendingTags(count: Self.tagCount)
            data["hasTags"] = !tags.isEmpty
            data["tags"] = tags.map { tag in
                ["name": tag.name, "href": "/explore/tags/\(Parameters.encode(tag.name))/", "uses": PageModels.count(tag.uses, "photo", "photos")]
            }
            let suggestions = try await lists.suggestedPeople(for: viewer, count: Self.peopleCount)
            let rows = try await PeopleRows(web: web).rows(suggestions.map(\.person), viewer: viewer, returnTo: visit.pathAndQuery)
            data["hasPeople"] = !rows.isEmpty
            data["people"] = zip(rows, suggestions).map { row, suggestion in
                var row = row
                let shared = suggestion.followedByYourFollows
                if shared > 0 { row["note"] = shared == 1 ? "followed by someone you follow" : "followed by \(shared) people you follow" }
                return row
            }
        }
        return web.page("explore-home", title: cursor == nil ? "Explore" : "Explore: more popular photos", visit, data)
    }
}
