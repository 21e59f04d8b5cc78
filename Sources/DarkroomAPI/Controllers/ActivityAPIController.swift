import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `GET /v1/users/self/activity` and `POST /v1/users/self/activity/seen` (Darkroom additions, scope `basic`): the
/// person's activity as the web page lists it, ungrouped, and marking it read, which clears the page's count too.
struct ActivityAPIController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.activity, list)
        api.add(.activitySeen, seen)
    }

    private var storage: Storage { dependencies.storage }

    @Sendable func list(_ request: APIRequest) async throws -> Response {
        try request.requireSelfPath()
        let page = try await storage.activity.recent(
            for: try request.requireViewer(),
            count: try request.parameters.count(),
            before: try request.parameters.id("cursor")
        )
        let tiles = try await storage.media.tiles(Array(Set(page.items.compactMap(\.media))))
        let byID = Dictionary(tiles.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let pagination =
            page.nextCursor.map { Pagination(nextURL: request.nextURL(setting: "cursor", to: $0), cursors: [("next_cursor", $0)]) } ?? .empty
        let serializer = ActivitySerializer(links: dependencies.links, users: dependencies.users)
        return Envelope.success(pagination: pagination) { writer in
            writer.array(page.items) { writer, activity in
                serializer.activity(activity, tile: activity.media.flatMap { byID[$0] }, into: &writer)
            }
        }
    }

    @Sendable func seen(_ request: APIRequest) async throws -> Response {
        try request.requireSelfPath()
        let upTo = try request.parameters.id("activity_id") ?? Int64.max
        try await storage.activity.markRead(try request.requireViewer(), upTo: upTo)
        return Envelope.success { $0.null() }
    }
}
