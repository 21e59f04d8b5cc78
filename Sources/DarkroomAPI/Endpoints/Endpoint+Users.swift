extension Endpoint {
    // Profiles, a user's media, the home feed, relationships.
    static let userProfile = Endpoint(
        .get,
        "/users/:user_id",
        .clientOrUser(.basic),
        "A user's profile.",
        parameters: [user]
    )
    static let homeFeed = Endpoint(
        .get,
        "/users/:user_id/feed",
        .user(.basic),
        "Your home feed (user_id must be self).",
        parameters: [user] + mediaPage
    )
    static let userRecentMedia = Endpoint(
        .get,
        "/users/:user_id/media/recent",
        .clientOrUser(.basic),
        "A user's most recent media.",
        parameters: [user] + mediaPage + timeBounds
    )
    static let likedMedia = Endpoint(
        .get,
        "/users/:user_id/media/liked",
        .user(.basic),
        "Media you liked (user_id must be self).",
        parameters: [user, query("count"), query("max_like_id")]
    )
    static let userSearch = Endpoint(
        .get,
        "/users/search",
        .clientOrUser(.basic),
        "Users by name.",
        parameters: [query("q", "a name"), query("count")]
    )
    static let follows = Endpoint(
        .get,
        "/users/:user_id/follows",
        .clientOrUser(.basic),
        "Whom a user follows.",
        parameters: [user] + cursorPage
    )
    static let followedBy = Endpoint(
        .get,
        "/users/:user_id/followed-by",
        .clientOrUser(.basic),
        "Who follows a user.",
        parameters: [user] + cursorPage
    )
    static let requestedBy = Endpoint(
        .get,
        "/users/:user_id/requested-by",
        .user(.basic),
        "Who asks to follow you (user_id must be self).",
        parameters: [user] + cursorPage
    )
    static let activity = Endpoint(
        .get,
        "/users/:user_id/activity",
        .user(.basic),
        "What happened to you, newest first: likes, comments, mentions, tags, follows (user_id must be self).",
        parameters: [user] + cursorPage
    )
    static let activitySeen = Endpoint(
        .post,
        "/users/:user_id/activity/seen",
        .user(.basic),
        "Marks your activity read, up to activity_id or all of it (user_id must be self).",
        parameters: [user, form("activity_id", "optional: the newest read")]
    )
    static let relationship = Endpoint(
        .get,
        "/users/:user_id/relationship",
        .user(.basic),
        "How you and a user stand.",
        parameters: [user]
    )
    static let changeRelationship = Endpoint(
        .post,
        "/users/:user_id/relationship",
        .user(.relationships),
        writes: .relationships,
        "Follow, unfollow, block, unblock, approve or ignore; remove a follower.",
        parameters: [user, form("action", "follow, unfollow, block, unblock, approve, ignore or remove")]
    )
    static let profilePicture = Endpoint(
        .post,
        "/users/:user_id/profile_picture",
        .user(.upload),
        "A new profile picture (user_id must be self).",
        parameters: [user, file("photo", "JPEG, PNG or WebP")]
    )
}
