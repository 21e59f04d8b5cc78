import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/media/{media-id}`, `/v1/media/shortcode/{shortcode}` and `/v1/media/popular`.
struct MediaController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.get("/media/popular", .clientOrUser(.basic), popular)
        api.get("/media/shortcode/:shortcode", .clientOrUser(.basic), byShortcode)
        api.get("/media/:media_id", .clientOrUser(.basic), byID)
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

    /// GET /media/popular — no pagination.
    @Sendable func popular(_ request: APIRequest) async throws -> Response {
        let stamps = try await dependencies.storage.media.popular(count: request.parameters.count(), viewer: request.viewer)
        return try await dependencies.mediaResponses.list(stamps, pagination: nil, for: request)
    }

    private func single(_ id: MediaID, _ request: APIRequest) async throws -> Response {
        let storage = dependencies.storage
        _ = try await storage.media.requireVisible(id, viewer: request.viewer)
        guard let stamp = try await storage.media.stamps([id], viewer: request.viewer).first else { throw APIError.mediaNotFound }
        return try await dependencies.mediaResponses.single(stamp, for: request)
    }
}
