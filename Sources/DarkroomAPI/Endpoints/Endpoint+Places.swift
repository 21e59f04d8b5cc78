extension Endpoint {
    // Tags and locations.
    static let tag = Endpoint(
        .get,
        "/tags/:tag_name",
        .clientOrUser(.basic),
        "A tag and its media count.",
        parameters: [path("tag_name", "without #")]
    )
    static let tagRecentMedia = Endpoint(
        .get,
        "/tags/:tag_name/media/recent",
        .clientOrUser(.basic),
        "Media with a tag, newest first.",
        parameters: [path("tag_name", "without #"), query("count"), query("max_tag_id"), query("min_tag_id")]
    )
    static let tagSearch = Endpoint(
        .get,
        "/tags/search",
        .clientOrUser(.basic),
        "Tags by prefix.",
        parameters: [query("q", "a tag's beginning"), query("count")]
    )
    static let location = Endpoint(
        .get,
        "/locations/:location_id",
        .clientOrUser(.basic),
        "A place.",
        parameters: [path("location_id", "a location id")]
    )
    static let locationRecentMedia = Endpoint(
        .get,
        "/locations/:location_id/media/recent",
        .clientOrUser(.basic),
        "Media at a place.",
        parameters: [path("location_id", "a location id")] + mediaPage + timeBounds
    )
    static let locationSearch = Endpoint(
        .get,
        "/locations/search",
        .clientOrUser(.basic),
        "Places near a point or by an outside id.",
        parameters: [
            query("lat"), query("lng"), query("distance"), query("count"), query("foursquare_v2_id"), query("foursquare_id"),
            query("facebook_places_id"),
        ]
    )
}
