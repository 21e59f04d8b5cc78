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

    func addRoutes(to routes: WebRoutes) {
        routes.get("/", home)
        routes.get("/explore/tags/:name", tag)
        routes.get("/explore/locations/:id", location)
        routes.get("/explore/search", search)
        routes.get("/accounts/requests", requests)
        routes.get("/:username", profile)
        routes.post("/:username/relationship", relationship)
    }

    /// `max_id` for the next page of a list, from the page's query.
    private func olderThan(_ visit: Web.Visit) throws -> Int64? {
        guard let raw = visit.query.value("max_id") else { return nil }
        guard let id = Int64(raw), id > 0 else { throw WebError(status: .badRequest, message: "That page does not exist.") }
        return id
    }

    private func older(_ path: String, _ next: String?) -> Any {
        next.map { "\(path)?max_id=\($0)" } ?? PageModels.absent
    }

    // MARK: Home

    @Sendable private func home(_ visit: Web.Visit) async throws -> Response {
        guard let user = visit.user else { return web.page("welcome", title: "Welcome to Darkroom", visit) }
        let page = try await storage.media.feed(of: user.id, page: MediaPageRequest(count: Self.feedSize, maxID: try olderThan(visit)))
        let media = try await storage.media.hydrate(page.items.map(\.id), viewer: user.id, hidingBlocked: user.id)
        let returnTo = visit.pathAndQuery
        return web.page("home", title: "Your feed", visit, [
            "cards": media.map { models.card($0, viewer: user.id, isOperator: visit.isOperator, returnTo: returnTo) },
            "older": older("/", page.nextCursor),
        ])
    }

    // MARK: Profiles

    @Sendable private func profile(_ visit: Web.Visit) async throws -> Response {
        let name = visit.path.split(separator: "/").first.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
        let viewer = visit.user?.id
        let missing = WebError(status: .notFound, message: "There is no account named @\(name).")
        guard let user = try await storage.users.find(username: name) else { throw missing }
        var data: [String: Any] = [
            "username": user.username, "fullName": user.summary.fullName.isEmpty ? user.username : user.summary.fullName,
            "picture": links.profilePicture(user.summary.profilePicture),
            "bio": user.bio.isEmpty ? PageModels.absent : user.bio, "website": user.website.isEmpty ? PageModels.absent : user.website,
            "mediaCount": PageModels.count(user.counts.media, "photo", "photos"),
            "followers": PageModels.count(user.counts.followedBy, "follower", "followers"),
            "following": "\(user.counts.follows) following", "isPrivate": user.isPrivate, "isSelf": viewer == user.id,
            "relation": PageModels.absent, "older": PageModels.absent,
            "emptyText": viewer == user.id ? "You have not posted a photo yet." : "No photos yet.",
            "og": [
                "title": "@\(user.username) on Darkroom", "type": "profile", "url": links.publicURL + "/\(user.username)/",
                "image": links.profilePicture(user.summary.profilePicture),
                "description": user.bio.isEmpty ? PageModels.absent : user.bio, "oembed": PageModels.absent,
            ] as [String: Any],
        ]
        var mayViewMedia: Bool
        if let viewer, viewer != user.id {
            let (relationship, facts) = try await storage.relationships.state(of: viewer, to: user.id)
            do {
                try UserPolicy.check(.viewProfile, actor: viewer, target: user.id, facts: facts)
            } catch {
                throw missing
            }
            mayViewMedia = facts.actorCanViewMedia
            let blocked = relationship.incoming == .blockedByYou
            data["relation"] = [
                "follows": relationship.outgoing == .follows, "requested": relationship.outgoing == .requested,
                "mayFollow": relationship.outgoing == .none && !blocked, "followLabel": user.isPrivate ? "Ask to follow" : "Follow",
                "requestedBy": relationship.incoming == .requestedBy, "blocked": blocked,
                "report": ReportForms.fields(.user, user.id.rawValue, label: "Report @\(user.username)", returnTo: visit.path),
            ] as [String: Any]
        } else {
            mayViewMedia = viewer == user.id || !user.isPrivate
        }
        data["hidden"] = !mayViewMedia
        if mayViewMedia {
            let page = try await storage.media.recent(of: user.id, page: MediaPageRequest(count: Self.gridSize, maxID: try olderThan(visit)), viewer: viewer)
            data["tiles"] = models.grid(try await storage.media.tiles(page.items.map(\.id)))
            data["older"] = older("/\(user.username)/", page.nextCursor)
        } else {
            data["tiles"] = [[String: Any]]()
        }
        return web.page("profile", title: "@\(user.username)", visit, data)
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

    @Sendable private func tag(_ visit: Web.Visit) async throws -> Response {
        let raw = visit.path.split(separator: "/").dropFirst(2).first.map { String($0).removingPercentEncoding ?? String($0) } ?? ""
        let name = raw.lowercased()
        guard !name.isEmpty, name.count <= 100 else { throw DomainError.notFound(.media) }
        let viewer = visit.user?.id
        let tag = try await storage.tags.find(name, viewer: viewer)
        let page = try await storage.tags.recentMedia(name, count: Self.gridSize, maxTagID: try olderThan(visit), minTagID: nil, viewer: viewer)
        return web.page("explore", title: "#\(name)", visit, [
            "subtitle": PageModels.count(tag.mediaCount, "photo", "photos"), "tiles": models.grid(try await storage.media.tiles(page.media)),
            "older": page.more ? "/explore/tags/\(Parameters.encode(name))/?max_id=\(page.tagIDs.last!)" : PageModels.absent,
            "emptyText": "No photos with this tag yet.",
            "og": ["title": "#\(name) on Darkroom", "type": "website", "url": links.publicURL + "/explore/tags/\(Parameters.encode(name))/",
                   "image": PageModels.absent, "description": PageModels.absent, "oembed": PageModels.absent] as [String: Any],
        ])
    }

    @Sendable private func location(_ visit: Web.Visit) async throws -> Response {
        let viewer = visit.user?.id
        guard let id = visit.path.split(separator: "/").dropFirst(2).first.flatMap({ Int64($0) }),
              let place = try await storage.locations.find(LocationID(id), viewer: viewer)
        else { throw WebError(status: .notFound, message: "There is no such place.") }
        let ids = try await storage.locations.recentMedia(
            at: LocationID(id), page: MediaPageRequest(count: Self.gridSize + 1, maxID: try olderThan(visit)), viewer: viewer)
        let shown = Array(ids.prefix(Self.gridSize))
        let name = place.name.flatMap { $0.isEmpty ? nil : $0 } ?? "A place"
        return web.page("explore", title: name, visit, [
            "subtitle": place.streetAddress.flatMap { $0.isEmpty ? nil : $0 } ?? String(format: "%.5f, %.5f", place.latitude, place.longitude),
            "tiles": models.grid(try await storage.media.tiles(shown)),
            "older": ids.count > Self.gridSize ? "/explore/locations/\(id)/?max_id=\(shown.last!.rawValue)" : PageModels.absent,
            "emptyText": "No photos here yet.",
            "og": ["title": "\(name) on Darkroom", "type": "place", "url": links.publicURL + "/explore/locations/\(id)/",
                   "image": PageModels.absent, "description": PageModels.absent, "oembed": PageModels.absent] as [String: Any],
        ])
    }

    @Sendable private func search(_ visit: Web.Visit) async throws -> Response {
        let query = try Validation.text(visit.query.value("q") ?? "", field: "q", maxLength: 100).trimmingSpaces()
        var data: [String: Any] = ["query": query, "searched": !query.isEmpty]
        if !query.isEmpty {
            let viewer = visit.user?.id
            let bare = query.hasPrefix("#") || query.hasPrefix("@") ? String(query.dropFirst()) : query
            data["people"] = try await storage.users.search(bare, count: 20, viewer: viewer).map(models.person)
            data["tags"] = try await storage.tags.search(prefix: bare.lowercased(), count: 20, viewer: viewer)
                .map { ["name": $0.name, "count": PageModels.count($0.mediaCount, "photo", "photos")] }
        }
        return web.page("search", title: "Search", visit, data)
    }
}
