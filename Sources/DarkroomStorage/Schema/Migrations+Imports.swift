extension Migrations {
    /// Archives brought in from elsewhere (an Instagram download, another Darkroom's data download). An import reads
    /// its zip files (`paths`, a JSON list) in a job and records each post of the archive once, under the archive's own
    /// identifier for it (`item_key`, one per user): posted (its media), held for review (its post waits as JSON in
    /// `held`, its files named in `archive_held_files` so the sweep keeps them), or failed (with the reason). Undoing
    /// an import deletes what it made. An account that moved elsewhere says where (`users.moved_to`).
    static let imports = Migration(
        version: 35,
        name: "archive imports",
        statements: [
            """
            CREATE TABLE archive_imports (
                id {ID},
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                source TEXT NOT NULL,
                state TEXT NOT NULL,
                visibility TEXT NOT NULL,
                paths TEXT NOT NULL,
                owns_files BIGINT NOT NULL,
                total BIGINT NOT NULL DEFAULT 0,
                done BIGINT NOT NULL DEFAULT 0,
                failed BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                started_at BIGINT,
                finished_at BIGINT,
                failure TEXT,
                runner TEXT
            )
            """,
            "CREATE INDEX archive_imports_user ON archive_imports (user_id, id)",
            """
            CREATE TABLE archive_import_posts (
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                item_key TEXT NOT NULL,
                import_id BIGINT NOT NULL REFERENCES archive_imports (id) ON DELETE CASCADE,
                state TEXT NOT NULL,
                media_id BIGINT,
                taken_at BIGINT NOT NULL,
                failure TEXT,
                held TEXT,
                PRIMARY KEY (user_id, item_key)
            )
            """,
            "CREATE INDEX archive_import_posts_import ON archive_import_posts (import_id, state, taken_at)",
            """
            CREATE TABLE archive_held_files (
                file_key TEXT NOT NULL,
                user_id BIGINT NOT NULL,
                item_key TEXT NOT NULL,
                FOREIGN KEY (user_id, item_key) REFERENCES archive_import_posts (user_id, item_key) ON DELETE CASCADE
            )
            """,
            "CREATE INDEX archive_held_files_key ON archive_held_files (file_key)",
            "CREATE INDEX archive_held_files_post ON archive_held_files (user_id, item_key)",
            // Where an account has moved (another server's profile URL), shown on its profile and in its user object.
            "ALTER TABLE users ADD COLUMN moved_to TEXT",
        ]
    )
}
