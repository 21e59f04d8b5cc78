import DarkroomCore
import HTTPTypes

/// One `/v1` endpoint, declared once: its method and route, what it needs from its caller (reference §2.4:
/// `client_id` alone where the 2013 platform allowed it, a user's token with `basic` for every other read, the write
/// scopes for writes), the write limit it counts against (reference §1.9), and what the API console shows of it. The
/// router registration (`APIRoutes.add`), the scope check (`Credentials`), the write limits, the console and the test
/// against `openapi.yaml` all read it from here; a controller names the declaration with its handler.
///
/// To add an endpoint: a declaration in the resource's `Endpoint+….swift`, a line in `all`, a handler registered with
/// `api.add(.name, handler)`, and its operation in `openapi.yaml`.
struct Endpoint: Sendable {
    struct Parameter: Sendable {
        enum Place: String, Sendable { case path, query, form, file }
        var name: String
        var place: Place
        var hint: String
    }

    let method: HTTPRequest.Method
    /// As the router matches it, under `/v1`: `/users/:user_id`.
    let route: String
    let access: Access
    /// The per-endpoint write limit it counts against, if any.
    let writes: WriteLimits.Kind?
    let summary: String
    let parameters: [Parameter]

    init(
        _ method: HTTPRequest.Method,
        _ route: String,
        _ access: Access,
        writes: WriteLimits.Kind? = nil,
        _ summary: String,
        parameters: [Parameter]
    ) {
        self.method = method
        self.route = route
        self.access = access
        self.writes = writes
        self.summary = summary
        self.parameters = parameters
    }

    /// "GET /users/:user_id", as the OpenAPI check and the logs name it.
    var key: String { "\(method.rawValue) \(route)" }

    /// The route's parameter names, in order: `["media_id", "comment_id"]`.
    var pathNames: [String] { route.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) } }

    /// `/users/{user_id}`, as the console and the OpenAPI document write it.
    var displayPath: String {
        route.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{" + $0.dropFirst() + "}" : String($0) }.joined(separator: "/")
    }

    /// Every endpoint, in the order the console lists them.
    static let all: [Endpoint] = [
        .userProfile, .homeFeed, .userRecentMedia, .likedMedia, .userSearch, .follows, .followedBy, .requestedBy, .activity, .activitySeen,
        .relationship, .changeRelationship,
        .profilePicture, .mediaByID, .mediaByShortcode, .mediaSearch, .popularMedia, .upload, .editMedia, .mediaOriginal, .deleteMedia, .comments,
        .comment, .deleteComment,
        .likes, .like, .unlike, .tag, .tagRecentMedia, .tagSearch, .location, .locationRecentMedia, .locationSearch, .subscribe, .subscriptions,
        .unsubscribe, .stream, .geographyRecentMedia,
    ]

    // Parameters several endpoints share.
    static func path(_ name: String, _ hint: String) -> Parameter { Parameter(name: name, place: .path, hint: hint) }
    static func query(_ name: String, _ hint: String = "") -> Parameter { Parameter(name: name, place: .query, hint: hint) }
    static func form(_ name: String, _ hint: String = "") -> Parameter { Parameter(name: name, place: .form, hint: hint) }
    static func file(_ name: String, _ hint: String) -> Parameter { Parameter(name: name, place: .file, hint: hint) }
    static let user = path("user_id", "a user id, or self")
    static let media = path("media_id", "a media id")
    static let mediaPage = [query("count", "default 20, at most 100"), query("max_id"), query("min_id")]
    static let timeBounds = [query("min_timestamp", "unix time"), query("max_timestamp", "unix time")]
    static let cursorPage = [query("count"), query("cursor")]
}
