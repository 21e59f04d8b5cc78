import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/users/...`: profiles, a user's media, the home feed, liked media and search.
struct UsersController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.userSearch, search)
        // Hummingbird's router prefers a literal segment over a parameter without backtracking, so the
        // self-only lists are registered under `:user_id` and refuse any other id.
        api.add(.homeFeed, feed)
        api.add(.likedMedia, liked)
        api.add(.userProfile, profile)
        api.add(.userRecentMedia, recentMedia)
    }

    /// GET /users/{user-id}
    @Sendable func profile(_ request: APIRequest) async throws -> Response {
        let id = try request.userID()
        try await dependencies.storage.relationships.authorize(.viewProfile, actor: request.viewer, target: id)
        guard let user = try await dependencies.storage.users.find(id) else { throw DomainError.notFound(.user) }
        let serializer = dependencies.users
        return Envelope.success { serializer.full(user, into: &$0) }
    }

    /// GET /users/{user-id}/media/recent
    @Sendable func recentMedia(_ request: APIRequest) async throws -> Response {
        let owner = try request.userID()
        let page = try request.parameters.mediaPage(timeBounds: true)
        let storage = dependencies.storage
        try await storage.relationships.authorize(.viewMediaAndLists, actor: request.viewer, target: owner)
        return try await mediaList(storage.media.recent(of: owner, page: page, viewer: request.viewer), request)
    }

    /// GET /users/self/feed
    @Sendable func feed(_ request: APIRequest) async throws -> Response {
        try request.requireSelfPath()
        let page = try request.parameters.mediaPage(timeBounds: false)
        return try await mediaList(dependencies.storage.feed.page(of: request.requireViewer(), page), request)
    }

    /// GET /users/self/media/liked — ordered by when the like happened, paged by `max_like_id`.
    @Sendable func liked(_ request: APIRequest) async throws -> Response {
        try request.requireSelfPath()
        let count = try request.parameters.count()
        let maxLikeID = try request.parameters.id("max_like_id")
        let page = try await dependencies.storage.media.liked(by: request.requireViewer(), count: count, maxLikeID: maxLikeID)
        let pagination =
            page.nextCursor.map {
                Pagination(nextURL: request.nextURL(setting: "max_like_id", to: $0), cursors: [("next_max_like_id", $0)])
            } ?? .empty
        return try await mediaList(page.items, pagination: pagination, request)
    }

    /// GET /users/search?q=…
    @Sendable func search(_ request: APIRequest) async throws -> Response {
        guard let query = request.parameters.value("q")?.trimmingCharacters(in: " "), !query.isEmpty else {
            throw APIError.missingParameter("q")
        }
        guard query.count <= 100 else { throw APIError.invalidParameter("q", "at most 100 characters") }
        if request.viewer != nil { await dependencies.federation?.lookUp(query, logger: dependencies.logger) }
        let users = try await dependencies.storage.users.search(query, count: request.parameters.count(), viewer: request.viewer)
        let serializer = dependencies.users
        return Envelope.success { writer in writer.array(users) { serializer.searchResult($1, into: &$0) } }
    }

    private func mediaList(_ page: Paged<MediaStamp>, _ request: APIRequest) async throws -> Response {
        try await mediaList(page.items, pagination: request.mediaPagination(page.nextCursor), request)
    }

    private func mediaList(_ stamps: [MediaStamp], pagination: Pagination, _ request: APIRequest) async throws -> Response {
        try await dependencies.mediaResponses.list(stamps, pagination: pagination, for: request)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String { Substring(self).trimmingCharacters(in: set) }
}
