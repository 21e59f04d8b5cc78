import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/media/{media-id}`, `/v1/media/shortcode/{shortcode}` and `/v1/media/popular`.
struct MediaController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.popularMedia, popular)
        api.add(.mediaSearch, search)
        api.add(.mediaByShortcode, byShortcode)
        api.add(.mediaByID, byID)
    }

    /// GET /media/{media-id}
    @Sendable func byID(_ request: APIRequest) async throws -> Response {
        try await single(request.mediaID(), request)
    }

    /// GET /media/shortcode/{shortcode} (python-instagram calls it without `.json`).
    @Sendable func byShortcode(_ request: APIRequest) async throws -> Response {
        guard let id = Shortcode.decode(Substring(request.pathParameters["shortcode"] ?? "")) else { throw APIError.mediaNotFound }
        return try await single(id, request)
    }

    /// GET /media/popular — no pagination; ranked as `/explore/` ranks (`ExploreStore.popular`).
    @Sendable func popular(_ request: APIRequest) async throws -> Response {
        let storage = dependencies.storage
        let ids = try await storage.explore.popular(count: request.parameters.count(), after: nil, viewer: request.viewer).items
        let stamps = try await storage.media.stamps(ids, viewer: request.viewer)
        return try await dependencies.mediaResponses.list(stamps, pagination: nil, for: request)
    }

    /// GET /media/search — media taken within `distance` of lat/lng, nearest first, each with its `distance`; the time
    /// window defaults to the last 5 days and may not exceed 7. No pagination.
    @Sendable func search(_ request: APIRequest) async throws -> Response {
        let parameters = request.parameters
        guard let point = try parameters.point() else { throw APIError.missingParameter("lat") }
        let distance = try parameters.distance()
        let storage = dependencies.storage
        let maxTimestamp = try parameters.timestamp("max_timestamp") ?? storage.environment.nowSeconds
        let minTimestamp = try parameters.timestamp("min_timestamp") ?? maxTimestamp - 5 * 86_400
        guard minTimestamp <= maxTimestamp else { throw APIError.invalidParameter("min_timestamp", "must not be after max_timestamp") }
        guard maxTimestamp - minTimestamp <= 7 * 86_400 else {
            throw APIError.invalidParameter("min_timestamp", "the window may span at most 7 days")
        }
        let page = MediaPageRequest(count: try parameters.count(), minTimestamp: minTimestamp, maxTimestamp: maxTimestamp)
        let found = try await storage.locations.mediaNear(point, meters: distance, page: page, viewer: request.viewer)
        let stamps = try await storage.media.stamps(found.map(\.0), viewer: request.viewer)
        let distances = Dictionary(found, uniquingKeysWith: { first, _ in first })
        return try await dependencies.mediaResponses.list(stamps, pagination: nil, distances: distances, for: request)
    }

    private func single(_ id: MediaID, _ request: APIRequest) async throws -> Response {
        let storage = dependencies.storage
        do {
            try await storage.media.authorize(.view, id, actor: request.viewer)
        } catch DomainError.notFound(.media) {
            // A video still being processed is its author's alone to see; to anyone else there is no such media.
            guard let viewer = request.viewer, let upload = try await storage.videoUploads.find(id), upload.owner == viewer else {
                throw DomainError.notFound(.media)
            }
            return try PendingVideoResponses(links: dependencies.links).response(upload)
        }
        guard let stamp = try await storage.media.stamps([id], viewer: request.viewer).first else { throw APIError.mediaNotFound }
        return try await dependencies.mediaResponses.single(stamp, for: request)
    }
}
