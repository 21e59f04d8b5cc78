import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird

/// The pages people browse: `/` (the home feed, or a word about the server for a visitor), `/{username}/` (a profile
/// with its grid and the buttons to follow, block or report), `/explore/tags/{name}/`, `/explore/locations/{id}/`,
/// `/explore/search` and `/accounts/requests`. What each shows is what the API would answer the same person: the same
/// stores, the same visibility rule and policies.
struct PeoplePagesController {
    let web: Web
    var storage: Storage { web.dependencies.storage }
    var models: PageModels { PageModels(links: web.dependencies.links) }
    var links: Links { web.dependencies.links }

    static let gridSize = 24
    static let feedSize = 12
    static let welcomeSize = 12

    func addRoutes(to routes: WebRoutes) {
        routes.get("/", home)
        routes.get("/explore/tags/:name", tag)
        routes.get("/explore/locations/:id", location)
        routes.get("/explore/search", search)
        routes.get("/accounts/requests", requests)
        routes.get("/:username", profile)
        routes.post("/:username/relationship", relationship)
    }

    private func older(_ path: String, _ next: String?) -> Any {
        next.map { "\(path)?max_id=\($0)" } ?? PageModels.absent
    }

    // MARK: Home

    @Sendable private func home(_ visit: Web.Visit) async throws -> Response {
        guard let user = visit.user else { return try await welcome(visit) }
        let page = try await storage.feed.page(of: user.id, MediaPageRequest(count: Self.feedSize, maxID: try visit.cursor("max_id")))
        let media = try await web.dependencies.mediaObjects.media(page.items, viewer: user.id, hidingBlocked: visit.involvedInBlocks, in: storage)
        let returnTo = visit.pathAndQuery
        let cards = media.enumerated().map { index, item in
            web.fragment("photo-card", key: models.cardKey(item, viewer: user.id, returnTo: returnTo, eager: index == 0)) {
                models.card(item, viewer: user.id, isOperator: visit.isOperator, returnTo: returnTo, eager: index == 0)
            }
        }
        let main = web.dependencies.templates.fragment(
            "home",
            [
                "cardsHTML": RenderedHTML.joined(cards), "empty": cards.isEmpty, "older": older("/", page.nextCursor),
            ]
        )
        return web.composedPage(title: "Your feed", visit, head: nil, main: main)
    }

    /// What a visitor lands on: the newest public photos, and an invitation to join.
    private func welcome(_ visit: Web.Visit) async throws -> Response {
        let recent = try await storage.explore.recentPublic(count: Self.welcomeSize)
        let grid = web.photoGrid(try await storage.media.tiles(recent), older: PageModels.absent, emptyText: "No photos have been posted yet.")
        return web.page("welcome", title: "Welcome to Darkroom", visit, ["gridHTML": grid, "hasPhotos": !recent.isEmpty])
    }

    // MARK: Profiles

    @Sendable private func profile(_ visit: Web.Visit) async throws -> Response {
        let name = visit.path.split(separator: "/").first.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
        let viewer = visit.user?.id
        let missing = WebError(status: .notFound, message: "There is no account named @\(name).")
        guard let (user, relationship, facts) = try await storage.relationships.profile(username: name, viewer: viewer) else { throw missing }
        let isSelf = viewer == user.id
        let mayViewMedia: Bool
        if let viewer, !isSelf {
            do {
                try UserPolicy.check(.viewProfile, actor: viewer, target: user.id, facts: facts)
            } catch {
                throw missing
            }
            mayViewMedia = facts.actorCanViewMedia
        } else {
            mayViewMedia = isSelf || !user.isPrivate
        }
        // The grid changes more often than the header: kept apart, and put in after it.
        var grid: RenderedHTML?
        if mayViewMedia {
            let page = try await storage.media.recentVersions(
                of: user.id,
                page: MediaPageRequest(count: Self.gridSize, maxID: try visit.cursor("max_id"))
            )
            let older = older("/\(user.username)/", page.more ? page.media.last.map { String($0.id.rawValue) } : nil)
            let emptyText = isSelf ? "You have not posted a photo yet." : "No photos yet."
            // What a tile shows moves its version; a private account's links are signed for the hour.
            var key = "\(user.id.rawValue)|\(older)|\(emptyText)|" + (user.isPrivate ? "\(links.signing.epoch)" : "public")
            for media in page.media { key += "|\(media.id.rawValue),\(media.version)" }
            let ids = page.media.map(\.id)
            grid = try await web.fragment("grid", key: key) {
                ["tiles": models.grid(try await storage.media.tiles(ids)), "older": older, "emptyText": emptyText]
            }
        }
        // Everything the header shows, as its key; the values are built only when it is rendered.
        let relation = viewer == nil ? "visitor" : isSelf ? "self" : "\(relationship.outgoing.rawValue),\(relationship.incoming.rawValue)"
        let headerKey = [
            user.id.description, user.username, user.summary.fullName, user.summary.profilePicture ?? "", user.bio, user.website,
            user.movedTo ?? "",
            "\(user.counts.media),\(user.counts.followedBy),\(user.counts.follows),\(user.isPrivate),\(mayViewMedia)", relation, visit.path,
        ]
        .joined(separator: "\u{1}")
        let header = web.fragment("profile-header", key: headerKey) {
            profileHeader(user, relationship, viewer: viewer, returnTo: visit.path, listsVisible: mayViewMedia)
        }
        let main = web.fragment("profile", key: headerKey + "\u{2}" + (grid.map { _ in "grid" } ?? "hidden")) {
            ["headerHTML": header, "hidden": grid == nil]
        }
        let head = web.fragment("og", key: "profile\u{1}" + user.username + "\u{1}" + (user.summary.profilePicture ?? "") + "\u{1}" + user.bio) {
            [
                "og": [
                    "title": "@\(user.username) on Darkroom", "type": "profile", "url": links.publicURL + "/\(user.username)/",
                    "image": links.profilePicture(user.summary.profilePicture),
                    "description": user.bio.isEmpty ? PageModels.absent : user.bio, "oembed": PageModels.absent,
                ] as [String: Any]
            ]
        }
        return web.composedPage(title: "@\(user.username)", visit, head: head, main: main, after: grid)
    }

    /// `listsVisible`: the viewer may see the account's photos, and so whom it follows and who follows it.
    private func profileHeader(_ user: User, _ relationship: Relationship, viewer: UserID?, returnTo: String, listsVisible: Bool) -> [String: Any] {
        var header: [String: Any] = [
            "username": user.username, "fullName": user.summary.fullName.isEmpty ? user.username : user.summary.fullName,
            "picture": links.profilePicture(user.summary.profilePicture),
            "bio": user.bio.isEmpty ? PageModels.absent : user.bio, "website": user.website.isEmpty ? PageModels.absent : user.website,
            "mediaCount": PageModels.count(user.counts.media, "photo", "photos"),
            "followers": PageModels.count(user.counts.followedBy, "follower", "followers"),
            "following": "\(user.counts.follows) following", "isPrivate": user.isPrivate, "isSelf": viewer == user.id,
            "relation": PageModels.absent, "listsVisible": listsVisible, "movedTo": user.movedTo ?? PageModels.absent,
        ]
        if viewer != nil, viewer != user.id {
            let blocked = relationship.incoming == .blockedByYou
            header["relation"] =
                [
                    "follows": relationship.outgoing == .follows, "requested": relationship.outgoing == .requested,
                    "mayFollow": relationship.outgoing == .none && !blocked, "followLabel": user.isPrivate ? "Ask to follow" : "Follow",
                    "requestedBy": relationship.incoming == .requestedBy, "blocked": blocked,
                    "report": ReportForms.fields(.user, user.id.rawValue, label: "Report @\(user.username)", returnTo: returnTo),
                ] as [String: Any]
        }
        return header
    }

    /// The profile's buttons: follow (or ask to), unfollow (or cancel the request), approve or ignore a request,
    /// block, unblock — `RelationshipStore.apply`, as the API's `POST /users/{id}/relationship`.
    @Sendable private func relationship(_ visit: Web.Visit) async throws -> Response {
        let viewer = try visit.requireUser()
        let name = visit.path.split(separator: "/").first.map(String.init) ?? ""
        guard let action = visit.form.value("action").flatMap(RelationshipAction.init(parsing:)) else {
            throw WebError(status: .badRequest, message: "Choose what to do.")
        }
        guard let target = try await storage.users.find(username: name) else { throw DomainError.notFound(.user) }
        _ = try await storage.relationships.apply(action, viewer: viewer.id, target: target.id)
        return web.redirect(to: Web.localPath(visit.form.value("next")) ?? "/\(target.username)/")
    }

    @Sendable private func requests(_ visit: Web.Visit) async throws -> Response {
        let user = try visit.requireUser()
        let waiting = try await storage.relationships.requests(to: user.id, count: 100, cursor: nil)
        return web.page("accounts/requests", title: "Follow requests", visit, ["people": waiting.items.map(models.person)])
    }

    // MARK: Explore

    private func explorePage(title: String, _ visit: Web.Visit, _ data: [String: Any]) -> Response {
        web.composedPage(title: title, visit, head: openGraph(data["og"]), main: web.dependencies.templates.fragment("explore", data))
    }

    /// A page's Open Graph tags, kept by what they say.
    private func openGraph(_ og: Any?) -> RenderedHTML? {
        guard let og = og as? [String: Any] else { return nil }
        let key = ["title", "type", "url", "image", "description", "oembed"].map { "\(og[$0] ?? "")" }.joined(separator: "\u{1}")
        return web.fragment("og", key: key) { ["og": og] }
    }

    @Sendable private func tag(_ visit: Web.Visit) async throws -> Response {
        let raw = visit.path.split(separator: "/").dropFirst(2).first.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
        let name = raw.lowercased()
        guard !name.isEmpty, name.count <= 100 else { throw DomainError.notFound(.media) }
        let viewer = visit.user?.id
        let tag = try await storage.tags.find(name, viewer: viewer)
        let page = try await storage.tags.recentMedia(name, count: Self.gridSize, maxTagID: try visit.cursor("max_id"), minTagID: nil, viewer: viewer)
        return explorePage(
            title: "#\(name)",
            visit,
            [
                // "0 photos" over an empty grid says nothing its own words do not ("No photos with this tag yet").
                "subtitle": tag.mediaCount > 0 ? PageModels.count(tag.mediaCount, "photo", "photos") : PageModels.absent,
                "gridHTML": web.photoGrid(
                    try await storage.media.tiles(page.media),
                    older: page.more ? "/explore/tags/\(Parameters.encode(name))/?max_id=\(page.tagIDs.last!)" : PageModels.absent,
                    emptyText: "No photos with this tag yet."
                ),
                "og": [
                    "title": "#\(name) on Darkroom", "type": "website", "url": links.publicURL + "/explore/tags/\(Parameters.encode(name))/",
                    "image": PageModels.absent, "description": PageModels.absent, "oembed": PageModels.absent,
                ] as [String: Any],
            ]
        )
    }

    @Sendable private func location(_ visit: Web.Visit) async throws -> Response {
        let viewer = visit.user?.id
        guard let id = visit.path.split(separator: "/").dropFirst(2).first.flatMap({ Int64($0) }),
            let place = try await storage.locations.find(LocationID(id), viewer: viewer)
        else { throw WebError(status: .notFound, message: "There is no such place.") }
        let ids = try await storage.locations.recentMedia(
            at: LocationID(id),
            page: MediaPageRequest(count: Self.gridSize + 1, maxID: try visit.cursor("max_id")),
            viewer: viewer
        )
        let shown = Array(ids.prefix(Self.gridSize))
        let name = place.name.flatMap { $0.isEmpty ? nil : $0 } ?? "A place"
        return explorePage(
            title: name,
            visit,
            [
                "subtitle": place.streetAddress.flatMap { $0.isEmpty ? nil : $0 } ?? String(format: "%.5f, %.5f", place.latitude, place.longitude),
                "gridHTML": web.photoGrid(
                    try await storage.media.tiles(shown),
                    older: ids.count > Self.gridSize ? "/explore/locations/\(id)/?max_id=\(shown.last!.rawValue)" : PageModels.absent,
                    emptyText: "No photos here yet."
                ),
                "og": [
                    "title": "\(name) on Darkroom", "type": "place", "url": links.publicURL + "/explore/locations/\(id)/",
                    "image": PageModels.absent, "description": PageModels.absent, "oembed": PageModels.absent,
                ] as [String: Any],
            ]
        )
    }

    @Sendable private func search(_ visit: Web.Visit) async throws -> Response {
        let query = try Validation.text(visit.query.value("q") ?? "", field: "q", maxLength: 100).trimmingSpaces()
        var data: [String: Any] = ["query": query, "searched": !query.isEmpty]
        if !query.isEmpty {
            let viewer = visit.user?.id
            let bare = query.hasPrefix("#") || query.hasPrefix("@") ? String(query.dropFirst()) : query
            if viewer != nil { await web.dependencies.federation?.lookUp(bare, logger: web.dependencies.logger) }
            data["people"] = try await storage.users.search(bare, count: 20, viewer: viewer).map(models.person)
            data["tags"] = try await storage.tags.search(prefix: bare.lowercased(), count: 20, viewer: viewer)
                .map { ["name": $0.name, "count": PageModels.count($0.mediaCount, "photo", "photos")] }
        }
        return web.page("search", title: "Search", visit, data)
    }
}
