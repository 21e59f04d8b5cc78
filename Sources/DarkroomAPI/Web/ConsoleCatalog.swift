import DarkroomCore

/// Every `/v1` endpoint as the API console lists it: what it does and the parameters it reads. A test checks that it
/// names exactly the routes `EndpointAccess.table` has, so a new endpoint cannot be left out of the console.
enum ConsoleCatalog {
    struct Parameter {
        enum Place: String { case path, query, form, file }
        var name: String
        var place: Place
        var hint: String
    }

    struct Endpoint {
        var method: String
        /// As `APIRoutes` registers it: `/users/:user_id`.
        var route: String
        var summary: String
        var parameters: [Parameter]
    }

    private static func path(_ name: String, _ hint: String) -> Parameter { Parameter(name: name, place: .path, hint: hint) }
    private static func query(_ name: String, _ hint: String = "") -> Parameter { Parameter(name: name, place: .query, hint: hint) }
    private static func form(_ name: String, _ hint: String = "") -> Parameter { Parameter(name: name, place: .form, hint: hint) }

    private static let user = path("user_id", "a user id, or self")
    private static let media = path("media_id", "a media id")
    private static let mediaPage = [query("count", "default 20, at most 100"), query("max_id"), query("min_id")]
    private static let timeBounds = [query("min_timestamp", "unix time"), query("max_timestamp", "unix time")]
    private static let cursorPage = [query("count"), query("cursor")]

    static let endpoints: [Endpoint] = [
        Endpoint(method: "GET", route: "/users/:user_id", summary: "A user's profile.", parameters: [user]),
        Endpoint(
            method: "GET",
            route: "/users/:user_id/feed",
            summary: "Your home feed (user_id must be self).",
            parameters: [user] + mediaPage
        ),
        Endpoint(
            method: "GET",
            route: "/users/:user_id/media/recent",
            summary: "A user's most recent media.",
            parameters: [user] + mediaPage + timeBounds
        ),
        Endpoint(
            method: "GET",
            route: "/users/:user_id/media/liked",
            summary: "Media you liked (user_id must be self).",
            parameters: [user, query("count"), query("max_like_id")]
        ),
        Endpoint(method: "GET", route: "/users/search", summary: "Users by name.", parameters: [query("q", "a name"), query("count")]),
        Endpoint(method: "GET", route: "/users/:user_id/follows", summary: "Whom a user follows.", parameters: [user] + cursorPage),
        Endpoint(method: "GET", route: "/users/:user_id/followed-by", summary: "Who follows a user.", parameters: [user] + cursorPage),
        Endpoint(
            method: "GET",
            route: "/users/:user_id/requested-by",
            summary: "Who asks to follow you (user_id must be self).",
            parameters: [user] + cursorPage
        ),
        Endpoint(method: "GET", route: "/users/:user_id/relationship", summary: "How you and a user stand.", parameters: [user]),
        Endpoint(
            method: "POST",
            route: "/users/:user_id/relationship",
            summary: "Follow, unfollow, block, unblock, approve or ignore.",
            parameters: [user, form("action", "follow, unfollow, block, unblock, approve or ignore")]
        ),
        Endpoint(
            method: "POST",
            route: "/users/:user_id/profile_picture",
            summary: "A new profile picture (user_id must be self).",
            parameters: [user, Parameter(name: "photo", place: .file, hint: "JPEG, PNG or WebP")]
        ),
        Endpoint(method: "GET", route: "/media/:media_id", summary: "One media.", parameters: [media]),
        Endpoint(
            method: "GET",
            route: "/media/shortcode/:shortcode",
            summary: "One media by its shortcode.",
            parameters: [path("shortcode", "from a /p/{shortcode}/ link")]
        ),
        Endpoint(
            method: "GET",
            route: "/media/search",
            summary: "Media taken near a point.",
            parameters: [query("lat"), query("lng"), query("distance", "meters, default 1000, at most 5000"), query("count")] + timeBounds
        ),
        Endpoint(method: "GET", route: "/media/popular", summary: "Popular media now.", parameters: [query("count")]),
        Endpoint(
            method: "POST",
            route: "/media/upload",
            summary: "Post a photo.",
            parameters: [
                Parameter(name: "photo", place: .file, hint: "JPEG, PNG or WebP"), form("caption"), form("filter", "e.g. Valencia"),
                form("location_id"), form("lat"), form("lng"), form("location_name"), form("users_in_photo", "JSON list of {user_id, x, y}"),
            ]
        ),
        Endpoint(method: "DELETE", route: "/media/:media_id", summary: "Delete your media.", parameters: [media]),
        Endpoint(method: "GET", route: "/media/:media_id/comments", summary: "A media's comments.", parameters: [media]),
        Endpoint(method: "POST", route: "/media/:media_id/comments", summary: "Comment on a media.", parameters: [media, form("text")]),
        Endpoint(
            method: "DELETE",
            route: "/media/:media_id/comments/:comment_id",
            summary: "Delete a comment (yours, or on your media).",
            parameters: [media, path("comment_id", "a comment id")]
        ),
        Endpoint(method: "GET", route: "/media/:media_id/likes", summary: "Who likes a media.", parameters: [media]),
        Endpoint(method: "POST", route: "/media/:media_id/likes", summary: "Like a media.", parameters: [media]),
        Endpoint(method: "DELETE", route: "/media/:media_id/likes", summary: "Unlike a media.", parameters: [media]),
        Endpoint(method: "GET", route: "/tags/:tag_name", summary: "A tag and its media count.", parameters: [path("tag_name", "without #")]),
        Endpoint(
            method: "GET",
            route: "/tags/:tag_name/media/recent",
            summary: "Media with a tag, newest first.",
            parameters: [path("tag_name", "without #"), query("count"), query("max_tag_id"), query("min_tag_id")]
        ),
        Endpoint(method: "GET", route: "/tags/search", summary: "Tags by prefix.", parameters: [query("q", "a tag's beginning"), query("count")]),
        Endpoint(method: "GET", route: "/locations/:location_id", summary: "A place.", parameters: [path("location_id", "a location id")]),
        Endpoint(
            method: "GET",
            route: "/locations/:location_id/media/recent",
            summary: "Media at a place.",
            parameters: [path("location_id", "a location id")] + mediaPage + timeBounds
        ),
        Endpoint(
            method: "POST",
            route: "/subscriptions",
            summary: "Subscribe a callback to new media (your client's secret needed; the callback must echo the challenge).",
            parameters: [
                form("client_secret"), form("object", "user, tag, location or geography"), form("aspect", "media"),
                form("object_id", "a tag name or location id"), form("callback_url"), form("verify_token"),
                form("lat"), form("lng"), form("radius", "meters, at most 5000"),
            ]
        ),
        Endpoint(method: "GET", route: "/subscriptions", summary: "Your client's subscriptions.", parameters: [query("client_secret")]),
        Endpoint(
            method: "DELETE",
            route: "/subscriptions",
            summary: "Delete subscriptions: by id, by object (and object_id), or object=all.",
            parameters: [query("client_secret"), query("id"), query("object"), query("object_id")]
        ),
        Endpoint(
            method: "GET",
            route: "/stream",
            summary: "A live stream (Server-Sent Events) of your feed's new media and your client's notifications.",
            parameters: [query("last_event_id", "resume after this event")]
        ),
        Endpoint(
            method: "GET",
            route: "/geographies/:geo_id/media/recent",
            summary: "Recent media in a geography your client made.",
            parameters: [path("geo_id", "the geography subscription's object_id")] + mediaPage
        ),
        Endpoint(
            method: "GET",
            route: "/locations/search",
            summary: "Places near a point or by an outside id.",
            parameters: [
                query("lat"), query("lng"), query("distance"), query("count"), query("foursquare_v2_id"), query("foursquare_id"),
                query("facebook_places_id"),
            ]
        ),
    ]

    /// `/users/:user_id` as the console shows it: `/users/{user_id}`.
    static func display(_ route: String) -> String {
        route.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.hasPrefix(":") ? "{" + $0.dropFirst() + "}" : String($0) }.joined(separator: "/")
    }
}
