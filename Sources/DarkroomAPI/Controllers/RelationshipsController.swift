import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/users/{user-id}/follows`, `/followed-by`, `/users/self/requested-by` and `/users/{user-id}/relationship`.
struct RelationshipsController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.follows, follows)
        api.add(.followedBy, followers)
        api.add(.requestedBy, requests)
        api.add(.relationship, relationship)
        api.add(.changeRelationship, changeRelationship)
    }

    private var storage: Storage { dependencies.storage }

    /// GET /users/{user-id}/follows — a private account's lists are for itself and its approved followers.
    @Sendable func follows(_ request: APIRequest) async throws -> Response {
        let user = try await visibleUser(request)
        let page = try await storage.relationships.follows(
            of: user,
            count: request.parameters.count(),
            cursor: request.parameters.id("cursor"),
            viewer: request.viewer
        )
        return userList(page, request)
    }

    /// GET /users/{user-id}/followed-by
    @Sendable func followers(_ request: APIRequest) async throws -> Response {
        let user = try await visibleUser(request)
        let page = try await storage.relationships.followers(
            of: user,
            count: request.parameters.count(),
            cursor: request.parameters.id("cursor"),
            viewer: request.viewer
        )
        return userList(page, request)
    }

    /// GET /users/self/requested-by
    @Sendable func requests(_ request: APIRequest) async throws -> Response {
        try request.requireSelfPath()
        let page = try await storage.relationships.requests(
            to: request.requireViewer(),
            count: request.parameters.count(),
            cursor: request.parameters.id("cursor")
        )
        return userList(page, request)
    }

    /// GET /users/{user-id}/relationship
    @Sendable func relationship(_ request: APIRequest) async throws -> Response {
        Self.response(try await state(request).current)
    }

    /// POST /users/{user-id}/relationship (`action` = follow, unfollow, block, unblock, approve, ignore or deny, and
    /// `remove`, beyond v1: the user stops following the viewer) —
    /// answers the relationship after. One read serves the policy check and, for a follow or an unfollow, the answer.
    @Sendable func changeRelationship(_ request: APIRequest) async throws -> Response {
        let viewer = try request.requireViewer()
        let target = try request.userID()
        guard let name = request.parameters.value("action"), !name.isEmpty else { throw APIError.missingParameter("action") }
        guard let action = RelationshipAction(parsing: name) else {
            throw APIError.invalidParameter("action", "use follow, unfollow, block, unblock, approve, ignore or remove")
        }
        return Self.response(try await storage.relationships.apply(action, viewer: viewer, target: target))
    }

    // MARK: -

    /// The viewer, the other user of the path (who must exist, and whom the viewer may relate to), and how they stand.
    private func state(_ request: APIRequest) async throws -> (viewer: UserID, target: UserID, current: Relationship, facts: UserPolicy.Facts) {
        let viewer = try request.requireViewer()
        let target = try request.userID()
        let (relationship, facts) = try await storage.relationships.state(of: viewer, to: target)
        try UserPolicy.check(.relate, actor: viewer, target: target, facts: facts)
        return (viewer, target, relationship, facts)
    }

    /// The user of the path, if the viewer may see whom it follows and who follows it.
    private func visibleUser(_ request: APIRequest) async throws -> UserID {
        let user = try request.userID()
        try await storage.relationships.authorize(.viewMediaAndLists, actor: request.viewer, target: user)
        return user
    }

    private static func response(_ relationship: Relationship) -> Response {
        Envelope.success { RelationshipSerializer().relationship(relationship, into: &$0) }
    }

    private func userList(_ page: Paged<UserSummary>, _ request: APIRequest) -> Response {
        let pagination =
            page.nextCursor.map {
                Pagination(nextURL: request.nextURL(setting: "cursor", to: $0), cursors: [("next_cursor", $0)])
            } ?? .empty
        let serializer = dependencies.users
        return Envelope.success(pagination: pagination) { writer in writer.array(page.items) { serializer.mini($1, into: &$0) } }
    }
}
