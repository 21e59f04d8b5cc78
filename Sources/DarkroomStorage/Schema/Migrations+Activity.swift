extension Migrations {
    /// What people are told of: a row per thing that happened to them (a like, a comment, a mention, a tag, a follow,
    /// a request, an approval), written in the transaction of the action itself and gone with what it names (the like
    /// taken back, the comment, the media, either account). `users.activity_seen_id` is how far its recipient has read.
    static let activity = Migration(
        version: 26,
        name: "activity",
        statements: [
            """
            CREATE TABLE activities (
                id {ID},
                recipient_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                actor_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                media_id BIGINT REFERENCES media (id) ON DELETE CASCADE,
                comment_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX activities_recipient ON activities (recipient_id, id)",
            "CREATE INDEX activities_actor ON activities (actor_id, kind)",
            "CREATE INDEX activities_media ON activities (media_id) WHERE media_id IS NOT NULL",
            "CREATE INDEX activities_comment ON activities (comment_id) WHERE comment_id IS NOT NULL",
            "CREATE INDEX activities_created ON activities (created_at)",
            "ALTER TABLE users ADD COLUMN activity_seen_id BIGINT NOT NULL DEFAULT 0",
        ]
    )

    /// "Photos of you": the photos a person is tagged in, found by the person.
    static let photosOfYou = Migration(
        version: 27,
        name: "photos of you",
        statements: ["CREATE INDEX media_users_in_photo_user ON media_users_in_photo (user_id, media_id)"]
    )

    /// Places found by the start of their name, as the posting page's place picker searches the gazetteer: an index on
    /// the lowercased name, which each engine reads for a prefix (SQLite as a range, PostgreSQL through `LIKE`).
    static let placeNames = Migration(
        version: 28,
        name: "place names",
        statements: [],
        engineSpecific: [
            .sqlite: ["CREATE INDEX locations_name_lower ON locations (lower(name))"],
            .postgres: ["CREATE INDEX locations_name_lower ON locations (lower(name) text_pattern_ops)"],
        ]
    )
}
