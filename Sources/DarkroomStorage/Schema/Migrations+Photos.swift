extension Migrations {
    /// Photos as their photographers made them. A media keeps its original (`original_key`, in `originals/`), its
    /// shape and crop, full-shape sizes beside the v1 squares, alt text and the camera's details; a carousel keeps its
    /// second and later photos in `media_items`, each with the same of its own (the media row is the first). Rows from
    /// before keep their files as they are: no original, squares only, cropped square around the centre — which is
    /// what the defaults say, so nothing is rewritten.
    static let photos = Migration(
        version: 25,
        name: "photos as made",
        statements: [
            "ALTER TABLE media ADD COLUMN full_sizes TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE media ADD COLUMN alt_text TEXT",
            "ALTER TABLE media ADD COLUMN original_key TEXT",
            "ALTER TABLE media ADD COLUMN crop TEXT NOT NULL DEFAULT 'square'",
            "ALTER TABLE media ADD COLUMN focus_x DOUBLE PRECISION NOT NULL DEFAULT 0.5",
            "ALTER TABLE media ADD COLUMN focus_y DOUBLE PRECISION NOT NULL DEFAULT 0.5",
            "ALTER TABLE media ADD COLUMN camera TEXT",
            "CREATE INDEX media_original ON media (original_key) WHERE original_key IS NOT NULL",
            "ALTER TABLE users ADD COLUMN shows_camera BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE media_users_in_photo ADD COLUMN item BIGINT NOT NULL DEFAULT 0",
            """
            CREATE TABLE media_items (
                media_id BIGINT NOT NULL REFERENCES media (id) ON DELETE CASCADE,
                position BIGINT NOT NULL,
                filter TEXT NOT NULL,
                image_key TEXT NOT NULL,
                full_sizes TEXT NOT NULL,
                alt_text TEXT,
                original_key TEXT,
                crop TEXT NOT NULL,
                focus_x DOUBLE PRECISION NOT NULL,
                focus_y DOUBLE PRECISION NOT NULL,
                camera TEXT,
                PRIMARY KEY (media_id, position)
            ){NOROWID}
            """,
            "CREATE INDEX media_items_image ON media_items (image_key)",
            "CREATE INDEX media_items_original ON media_items (original_key) WHERE original_key IS NOT NULL",
        ]
    )
}
