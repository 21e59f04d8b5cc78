import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/users/{user-id}/follows`, `/followed-by`, `/users/self/requested-by` and `/users/{user-id}/relationship`.
struct RelationshipsController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.get("/users/:user_id/follows", follows)
        api.get("/users/:user_id/followed-by", followers)
        api.get("/users/:user_id/requested-by", requests)
        api.get("/users/:user_id/relationship", relationship)
        api.post("/users/:user_id/relationship", changeRelationship)
    }

    private var storage: Storage { dependencies.storage }

    /// GET /users/{user-id}/follows — a private account's lists are for itself and its approved followers.
    @Sendable func follows(_ request: APIRequest) async throws -> Response {
        let user = try await visibleUser(request)
        let page = try await storage.relationships.follows(
            of: user, count: request.parameters.count(), cursor: request.parameters.id("cursor"), viewer: request.viewer)
        return userList(page, request)
    }

    /// GET /users/{user-id}/followed-by
    @Sendable func followers(_ request: APIRequest) async throws -> Response {
        let user = try await visibleUser(request)
        let page = try await storage.relationships.followers(
            of: user, count: request.parameters.count(), cursor: request.parameters.id("cursor"), viewer: request.viewer)
        return userList(page, request)
    }

    /// GET /users/self/requested-by
    @Sendable func requests(_ request: APIRequest) async throws -> Response {
        try request.requireSelfPath()
        let page = try await storage.relationships.requests(
            to: request.requireViewer(), count: request.parameters.count(), cursor: request.parameters.id("cursor"))
        return userList(page, request)
    }

    /// GET /users/{user-id}/relationship
    @Sendable func relationship(_ request: APIRequest) async throws -> Response {
        let (viewer, target) = try await pair(request)
        return try await relationshipResponse(viewer, target)
    }

    /// POST /users/{user-id}/relationship (`action` = follow, unfollow, block, unblock, approve, ignore or deny)
    @Sendable func changeRelationship(_ request: APIRequest) async throws -> Response {
        let (viewer, target) = try await pair(request)
        let relationships = storage.relationships
        switch request.parameters.value("action")?.lowercased() {
        case "follow":
            try await relationships.requestFollow(viewer, target, current: relationships.relationship(of: viewer, to: target))
        case "unfollow": try await relationships.unfollow(viewer, target)
        case "block": try await relationships.block(viewer, target)
        case "unblock": try await relationships.unblock(viewer, target)
        case "approve": _ = try await relationships.approve(viewer, requester: target)
        case "ignore", "deny": try await relationships.ignore(viewer, requester: target)
        case nil, "": throw APIError.missingParameter("action")
        default: throw APIError.invalidParameter("action", "use follow, unfollow, block, unblock, approve or ignore")
        }
        return try await relationshipResponse(viewer, target)
    }

    // MARK: -

    /// The viewer and an existing other user of the path.
    private func pair(_ request: APIRequest) async throws -> (UserID, UserID) {
        let viewer = try request.requireViewer()
        let target = try request.userID()
        try await storage.relationships.authorize(.relate, actor: viewer, target: target)
        return (viewer, target)
    }

    /// The user of the path, if the viewer may see whom it follows and who follows it.
    private func visibleUser(_ request: APIRequest) async throws -> UserID {
        let user = try request.userID()
        try await storage.relationships.authorize(.viewMediaAndLists, actor: request.viewer, target: user)
        return user
    }

    private func relationshipResponse(_ viewer: UserID, _ target: UserID) async throws -> Response {
        let relationship = try await storage.relationships.relationship(of: viewer, to: target)
        return Envelope.success { RelationshipSerializer().relationship(relationship, into: &$0) }
    }

    private func userList(_ page: Paged<UserSummary>, _ request: APIRequest) -> Response {
        let pagination = page.nextCursor.map {
            Pagination(nextURL: request.nextURL(setting: "cursor", to: $0), cursors: [("next_cursor", $0)])
        } ?? .empty
        let serializer = dependencies.users
        return Envelope.success(pagination: pagination) { writer in writer.array(page.items) { serializer.mini($1, into: &$0) } }
    }
}
