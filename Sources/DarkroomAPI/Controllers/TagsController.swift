import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/tags/{tag-name}`, `/v1/tags/{tag-name}/media/recent` and `/v1/tags/search`.
struct TagsController {
    let dependencies: Dependencies

    func addRoutes(to api: APIRoutes) {
        api.add(.tagSearch, search)
        api.add(.tag, tag)
        api.add(.tagRecentMedia, recentMedia)
    }

    /// GET /tags/{tag-name} — `{name, media_count}`; a tag nobody used has a count of 0.
    @Sendable func tag(_ request: APIRequest) async throws -> Response {
        let tag = try await dependencies.storage.tags.find(tagName(request), viewer: request.viewer)
        return Envelope.success { TagSerializer().tag(tag, into: &$0) }
    }

    static let deprecationWarning = "next_max_id and min_id are deprecated for this endpoint; use min_tag_id and max_tag_id instead"

    /// GET /tags/{tag-name}/media/recent — most recently tagged first, paged by `max_tag_id`/`min_tag_id`.
    @Sendable func recentMedia(_ request: APIRequest) async throws -> Response {
        let name = try tagName(request)
        let parameters = request.parameters
        // 2015 clients send max_tag_id/min_tag_id; older ones max_id/min_id.
        let maxTagID = try parameters.id("max_tag_id") ?? parameters.id("max_id")
        let minTagID = try parameters.id("min_tag_id") ?? parameters.id("min_id")
        let page = try await dependencies.storage.tags.recentMedia(
            name,
            count: parameters.count(),
            maxTagID: maxTagID,
            minTagID: minTagID,
            viewer: request.viewer
        )
        // From early 2013 the service also sent the older keys, with the same values and a warning (reference §1.7):
        // clients of that era page tags by `next_max_id` alone.
        var cursors: [(key: StaticString, value: String)] = []
        var nextURL: String?
        if page.more, let last = page.tagIDs.last {
            cursors += [("next_max_tag_id", String(last)), ("next_max_id", String(last))]
            nextURL = request.nextURL(setting: "max_tag_id", to: String(last))
        }
        if let first = page.tagIDs.first { cursors += [("min_tag_id", String(first)), ("next_min_id", String(first))] }
        cursors.append(("deprecation_warning", Self.deprecationWarning))
        let stamps = try await dependencies.storage.media.stamps(page.media, viewer: request.viewer)
        return try await dependencies.mediaResponses.list(stamps, pagination: Pagination(nextURL: nextURL, cursors: cursors), for: request)
    }

    /// GET /tags/search?q=… — tags starting with q, an exact match first, then the most used.
    @Sendable func search(_ request: APIRequest) async throws -> Response {
        guard let raw = request.parameters.value("q") else { throw APIError.missingParameter("q") }
        let query = try Self.normalize(raw.hasPrefix("#") ? String(raw.dropFirst()) : raw, parameter: "q")
        let tags = try await dependencies.storage.tags.search(prefix: query, count: request.parameters.count(default: 50), viewer: request.viewer)
        return Envelope.success { writer in writer.array(tags) { TagSerializer().tag($1, into: &$0) } }
    }

    private func tagName(_ request: APIRequest) throws(APIError) -> String {
        try Self.normalize(Parameters.decode(Substring(request.pathParameters["tag_name"] ?? "")), parameter: "tag_name")
    }

    /// Tag names as captions make them: case-folded letters, digits and underscores.
    static func normalize(_ text: String, parameter: String) throws(APIError) -> String {
        let name = text.lowercased()
        guard !name.isEmpty, name.count <= 100, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw .invalidParameter(parameter, "a tag name is letters, digits and underscores")
        }
        return name
    }
}
