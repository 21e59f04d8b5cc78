extension Endpoint {
    // Real-time subscriptions and geographies (reference §5): the client's own, proven by its secret as well (checked by the
    // handler); and the live stream, beyond v1: the user's feed and the app's notifications.
    static let subscribe = Endpoint(
        .post,
        "/subscriptions",
        .clientOrUser(.basic),
        "Subscribe a callback to new media (your client's secret needed; the callback must echo the challenge).",
        parameters: [
            form("client_secret"), form("object", "user, tag, location or geography"), form("aspect", "media"),
            form("object_id", "a tag name or location id"), form("callback_url"), form("verify_token"),
            form("lat"), form("lng"), form("radius", "meters, at most 5000"),
        ]
    )
    static let subscriptions = Endpoint(
        .get,
        "/subscriptions",
        .clientOrUser(.basic),
        "Your client's subscriptions.",
        parameters: [query("client_secret")]
    )
    static let unsubscribe = Endpoint(
        .delete,
        "/subscriptions",
        .clientOrUser(.basic),
        "Delete subscriptions: by id, by object (and object_id), or object=all.",
        parameters: [query("client_secret"), query("id"), query("object"), query("object_id")]
    )
    static let stream = Endpoint(
        .get,
        "/stream",
        .user(.basic),
        "A live stream (Server-Sent Events) of your feed's new media and your client's notifications.",
        parameters: [query("last_event_id", "resume after this event")]
    )
    static let geographyRecentMedia = Endpoint(
        .get,
        "/geographies/:geo_id/media/recent",
        .clientOrUser(.basic),
        "Recent media in a geography your client made.",
        parameters: [path("geo_id", "the geography subscription's object_id")] + mediaPage
    )
}
