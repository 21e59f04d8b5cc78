extension Migrations {
    /// Video posts. A video's renditions live under its `image_key` beside its cover's, and `video_sizes` names them
    /// (the low and standard squares, then the full-shape sizes; NULL for photos). A video waits in `video_uploads`
    /// while it is transcoded — with the post's fields as sent, and its original — and becomes a `media` row only when
    /// its files are ready, so no feed, tag, place or notification sees it before; a failed one stays there, with the
    /// reason, for its author to read.
    static let videos = Migration(
        version: 34,
        name: "videos",
        statements: [
            "ALTER TABLE media ADD COLUMN video_sizes TEXT",
            """
            CREATE TABLE video_uploads (
                media_id BIGINT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                state TEXT NOT NULL,
                failure TEXT,
                original_key TEXT NOT NULL,
                post TEXT NOT NULL,
                idempotency_key TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX video_uploads_user ON video_uploads (user_id, media_id)",
            "CREATE UNIQUE INDEX video_uploads_key ON video_uploads (user_id, idempotency_key) WHERE idempotency_key IS NOT NULL",
        ]
    )
}
