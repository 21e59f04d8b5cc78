extension Endpoint {
    // Media, uploads, comments and likes.
    static let mediaByID = Endpoint(
        .get,
        "/media/:media_id",
        .clientOrUser(.basic),
        "One media.",
        parameters: [media]
    )
    static let mediaByShortcode = Endpoint(
        .get,
        "/media/shortcode/:shortcode",
        .clientOrUser(.basic),
        "One media by its shortcode.",
        parameters: [path("shortcode", "from a /p/{shortcode}/ link")]
    )
    static let mediaSearch = Endpoint(
        .get,
        "/media/search",
        .clientOrUser(.basic),
        "Media taken near a point.",
        parameters: [query("lat"), query("lng"), query("distance", "meters, default 1000, at most 5000"), query("count")] + timeBounds
    )
    static let popularMedia = Endpoint(
        .get,
        "/media/popular",
        .clientOrUser(.basic),
        "Popular media now.",
        parameters: [query("count")]
    )
    static let upload = Endpoint(
        .post,
        "/media/upload",
        .user(.upload),
        "Post a photo, or a carousel of up to 20.",
        parameters: [
            file("photo", "JPEG, PNG, WebP, HEIC, AVIF, TIFF or GIF; several for a carousel"), form("caption"),
            form("filter", "e.g. Valencia; once per photo"), form("crop", "original or square; once per photo"),
            form("focal_point", "x,y from 0 to 1; once per photo"), form("alt_text", "once per photo"),
            form("location_id"), form("lat"), form("lng"), form("location_name"),
            form("users_in_photo", "JSON list of {user_id, x, y}; once per photo"),
        ]
    )
    static let editMedia = Endpoint(
        .post,
        "/media/:media_id/edit",
        .user(.upload),
        "Change your media's caption or alt text.",
        parameters: [media, form("caption", "empty removes it"), form("alt_text", "once per photo, in order")]
    )
    static let mediaOriginal = Endpoint(
        .get,
        "/media/:media_id/original",
        .user(.basic),
        "Download your photo as you sent it.",
        parameters: [media, query("photo", "1 for the first photo of a carousel (the default), 2 for the second, …")]
    )
    static let deleteMedia = Endpoint(
        .delete,
        "/media/:media_id",
        .user(.upload),
        "Delete your media.",
        parameters: [media]
    )
    static let comments = Endpoint(
        .get,
        "/media/:media_id/comments",
        .clientOrUser(.basic),
        "A media's comments.",
        parameters: [media]
    )
    static let comment = Endpoint(
        .post,
        "/media/:media_id/comments",
        .user(.comments),
        writes: .comments,
        "Comment on a media.",
        parameters: [media, form("text")]
    )
    static let deleteComment = Endpoint(
        .delete,
        "/media/:media_id/comments/:comment_id",
        .user(.comments),
        writes: .comments,
        "Delete a comment (yours, or on your media).",
        parameters: [media, path("comment_id", "a comment id")]
    )
    static let likes = Endpoint(
        .get,
        "/media/:media_id/likes",
        .clientOrUser(.basic),
        "Who likes a media.",
        parameters: [media]
    )
    static let like = Endpoint(
        .post,
        "/media/:media_id/likes",
        .user(.likes),
        writes: .likes,
        "Like a media.",
        parameters: [media]
    )
    static let unlike = Endpoint(
        .delete,
        "/media/:media_id/likes",
        .user(.likes),
        writes: .likes,
        "Unlike a media.",
        parameters: [media]
    )
}
