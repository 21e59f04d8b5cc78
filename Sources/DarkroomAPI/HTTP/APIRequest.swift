import DarkroomCore
import DarkroomStorage
import HTTPTypes

/// Who is calling: the user behind an access token, or an app known only by its client_id.
enum Caller: Sendable {
    case user(AccessGrant)
    case app(Client)

    var userID: UserID? {
        if case .user(let grant) = self { grant.userID } else { nil }
    }
}

/// What a handler gets: the parsed parameters, the caller, and the means to resolve path ids and build links.
struct APIRequest: Sendable {
    var parameters: Parameters
    var caller: Caller
    /// The path after `/v1`, normalized (no `.json`, no trailing slash): the base of `next_url`.
    var endpoint: String
    /// The query string as sent.
    var query: String = ""
    var pathParameters: [String: String]
    let links: Links
    /// The file parts of a multipart body, by field name, in the order sent.
    var files: [String: [[UInt8]]] = [:]
    var headers: HTTPFields = [:]

    var viewer: UserID? { caller.userID }

    /// The viewer, when it blocks or is blocked by anyone: lists must then be filtered for it alone.
    var viewerWithBlocks: UserID? {
        if case .user(let grant) = caller, grant.involvedInBlocks { grant.userID } else { nil }
    }

    /// The `{user-id}` of the path, with `self` meaning the caller.
    func userID(_ name: String = "user_id") throws(APIError) -> UserID {
        let text = pathParameters[name] ?? ""
        if text == "self" {
            guard let viewer else { throw .selfRequiresUser }
            return viewer
        }
        guard let id = UserID(decimal: text) else { throw .userNotFound }
        return id
    }

    /// The `{media-id}` of the path; the `{media}_{user}` form is accepted.
    func mediaID(_ name: String = "media_id") throws(APIError) -> MediaID {
        guard let id = MediaID(apiString: pathParameters[name] ?? "") else { throw .mediaNotFound }
        return id
    }

    /// Lists only the signed-in user has (feed, liked media) exist only under `self`.
    func requireSelfPath(_ name: String = "user_id") throws(APIError) {
        guard pathParameters[name] == "self" else { throw .routeNotFound }
    }

    /// The signed-in user, for endpoints that only make sense for one (`/users/self/...`).
    func requireViewer() throws(APIError) -> UserID {
        guard let viewer else { throw .selfRequiresUser }
        return viewer
    }

    /// This request's URL with `key` set to `value`: the next page.
    func nextURL(setting key: String, to value: String) -> String {
        var url = links.api(endpoint)
        url.reserveCapacity(url.utf8.count + query.utf8.count + key.utf8.count + value.utf8.count + 2)
        var separator = "?"
        for pair in parameters.pairs where pair.name != key {
            url += separator
            url += Parameters.encode(pair.name)
            url += "="
            url += Parameters.encode(pair.value)
            separator = "&"
        }
        url += separator
        url += key
        url += "="
        url += Parameters.encode(value)
        return url
    }

    /// The pagination of a media list paged by `max_id`.
    func mediaPagination(_ nextCursor: String?) -> Pagination {
        guard let nextCursor else { return .empty }
        return Pagination(nextURL: nextURL(setting: "max_id", to: nextCursor), cursors: [("next_max_id", nextCursor)])
    }
}
