import HTTPTypes

/// What each `/v1` endpoint needs from its caller, in one table (reference §2.4): `client_id` alone is enough where
/// the 2013 platform allowed it (public reads), a user's token with `basic` for every other read, and the write
/// scopes for writes. `APIRoutes` refuses to register a route that is not here.
enum EndpointAccess {
    static let table: [String: Access] = [
        "GET /locations/:location_id": .clientOrUser(.basic),
        "GET /locations/:location_id/media/recent": .clientOrUser(.basic),
        "GET /locations/search": .clientOrUser(.basic),
        "GET /media/:media_id": .clientOrUser(.basic),
        "DELETE /media/:media_id": .user(.upload),
        "GET /media/:media_id/comments": .clientOrUser(.basic),
        "POST /media/:media_id/comments": .user(.comments),
        "DELETE /media/:media_id/comments/:comment_id": .user(.comments),
        "GET /media/:media_id/likes": .clientOrUser(.basic),
        "POST /media/:media_id/likes": .user(.likes),
        "DELETE /media/:media_id/likes": .user(.likes),
        "GET /media/popular": .clientOrUser(.basic),
        "GET /media/search": .clientOrUser(.basic),
        "GET /media/shortcode/:shortcode": .clientOrUser(.basic),
        "POST /media/upload": .user(.upload),
        "GET /tags/:tag_name": .clientOrUser(.basic),
        "GET /tags/:tag_name/media/recent": .clientOrUser(.basic),
        "GET /tags/search": .clientOrUser(.basic),
        "GET /users/:user_id": .clientOrUser(.basic),
        "GET /users/:user_id/feed": .user(.basic),
        "GET /users/:user_id/followed-by": .clientOrUser(.basic),
        "GET /users/:user_id/follows": .clientOrUser(.basic),
        "GET /users/:user_id/media/liked": .user(.basic),
        "GET /users/:user_id/media/recent": .clientOrUser(.basic),
        "POST /users/:user_id/profile_picture": .user(.upload),
        "GET /users/:user_id/relationship": .user(.basic),
        "POST /users/:user_id/relationship": .user(.relationships),
        "GET /users/:user_id/requested-by": .user(.basic),
        "GET /users/search": .clientOrUser(.basic),
        // Real-time (§5): the client's own, proven by its secret as well (checked by the handler).
        "GET /subscriptions": .clientOrUser(.basic),
        "POST /subscriptions": .clientOrUser(.basic),
        "DELETE /subscriptions": .clientOrUser(.basic),
        "GET /geographies/:geo_id/media/recent": .clientOrUser(.basic),
        // Beyond v1: a live stream of the user's feed and the app's notifications.
        "GET /stream": .user(.basic),
    ]

    static func of(_ method: HTTPRequest.Method, _ path: String) -> Access {
        guard let access = table["\(method.rawValue) \(path)"] else {
            preconditionFailure("\(method.rawValue) /v1\(path) has no entry in EndpointAccess.table")
        }
        return access
    }

    /// Which per-endpoint write limit a route counts against, if any (reference §1.9: likes, comments, relationships).
    static func writeKind(_ method: HTTPRequest.Method, _ path: String) -> WriteLimits.Kind? {
        switch (method, path) {
        case (.post, "/media/:media_id/likes"), (.delete, "/media/:media_id/likes"): .likes
        case (.post, "/media/:media_id/comments"), (.delete, "/media/:media_id/comments/:comment_id"): .comments
        case (.post, "/users/:user_id/relationship"): .relationships
        default: nil
        }
    }
}
