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
        let older: Any = page.nextCursor.map { "/explore/?after=\($0)" } ?? PageModels.absent
        let emptyText = "No photos have been posted yet."
        // Three kept fragments: the tags and the grid are the same for everyone; only the people, with each one's button,
        // are the viewer's own.
        var sections: [RenderedHTML] = []
        if cursor == nil {
            let tags = try await lists.trendingTags(count: Self.tagCount)
            sections.append(
                web.fragment("explore-trending", key: tags.map { "\($0.name) \($0.uses)" }.joined(separator: ",")) {
                    [
                        "hasTags": !tags.isEmpty,
                        "tags": tags.map { tag in
                            [
                                "name": tag.name, "href": "/explore/tags/\(Parameters.encode(tag.name))/",
                                "uses": PageModels.count(tag.uses, "photo", "photos"),
                            ]
                        },
                    ]
                }
            )
            let people = try await suggestions(for: viewer, returnTo: visit.pathAndQuery)
            let key = "\(viewer != nil)\u{2}\(visit.pathAndQuery)" + people.key
            sections.append(
                web.fragment("explore-people", key: key) { ["hasPeople": !people.rows.isEmpty, "people": people.rows, "signedIn": viewer != nil] }
            )
        }
        let gridKey = web.photoGridKey(page.tiles, older: older, emptyText: emptyText)
        sections.append(
            web.fragment("explore-popular", key: gridKey) { ["gridHTML": web.photoGrid(page.tiles, older: older, emptyText: emptyText)] }
        )
        return web.composedPage(title: cursor == nil ? "Explore" : "Explore: more popular photos", visit, head: nil, main: .joined(sections))
    }

    /// People to follow as the page's rows, and what they show as a key.
    private func suggestions(for viewer: UserID?, returnTo: String) async throws -> (rows: [[String: Any]], key: String) {
        let suggestions = try await storage.exploreLists.suggestedPeople(for: viewer, count: Self.peopleCount)
        var key = ""
        let rows = try await PeopleRows(web: web).rows(suggestions.map(\.person), viewer: viewer, returnTo: returnTo)
        let shown = zip(rows, suggestions).map { row, suggestion in
            var row = row
            let shared = suggestion.followedByYourFollows
            if shared > 0 { row["note"] = shared == 1 ? "followed by someone you follow" : "followed by \(shared) people you follow" }
            let person = suggestion.person
            key += "\u{2}\(person.username),\(person.fullName),\(person.profilePicture ?? ""),\(shared),"
            key += (row["follow"] as? [String: String])?["label"] ?? "-"
            return row
        }
        return (shown, key)
    }
}
