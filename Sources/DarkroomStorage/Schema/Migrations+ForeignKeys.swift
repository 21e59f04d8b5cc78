extension Migrations {
    /// A row's reference to the row it belongs to (or names), a foreign key from migration 24 on.
    struct ForeignKey: Sendable {
        let table: String
        let column: String
        let parent: String
        /// `CASCADE` where the row belongs to its parent and goes with it; `SET NULL` where it outlives it.
        var onDelete = "CASCADE"
    }

    /// Parents before their children: SQLite rebuilds tables in this order, and a row orphaned by the removal of its
    /// parent's orphan is found in turn. Not keys: `feed_entries` (the materialized feeds, kept by `HomeFeed` like a
    /// cache: a deleted media's entries are withdrawn in the background, and a key on the reader checked one account
    /// per follower on every post — posting measured about a sixth slower with it), what reports and the moderation
    /// log name (they are records, kept as bare ids), and `notifications.subscription_id` (delivery records outlive
    /// their subscription).
    static let references: [ForeignKey] = [
        ForeignKey(table: "media", column: "user_id", parent: "users"),
        ForeignKey(table: "clients", column: "owner_id", parent: "users"),
        ForeignKey(table: "likes", column: "media_id", parent: "media"),
        ForeignKey(table: "likes", column: "user_id", parent: "users"),
        ForeignKey(table: "comments", column: "media_id", parent: "media"),
        ForeignKey(table: "comments", column: "user_id", parent: "users"),
        ForeignKey(table: "media_tags", column: "media_id", parent: "media"),
        ForeignKey(table: "media_users_in_photo", column: "media_id", parent: "media"),
        ForeignKey(table: "media_users_in_photo", column: "user_id", parent: "users"),
        ForeignKey(table: "upload_keys", column: "media_id", parent: "media"),
        ForeignKey(table: "upload_keys", column: "user_id", parent: "users"),
        ForeignKey(table: "notifications", column: "media_id", parent: "media"),
        ForeignKey(table: "notifications", column: "client_ref", parent: "clients"),
        ForeignKey(table: "follows", column: "follower_id", parent: "users"),
        ForeignKey(table: "follows", column: "followee_id", parent: "users"),
        ForeignKey(table: "follow_requests", column: "requester_id", parent: "users"),
        ForeignKey(table: "follow_requests", column: "target_id", parent: "users"),
        ForeignKey(table: "blocks", column: "blocker_id", parent: "users"),
        ForeignKey(table: "blocks", column: "blocked_id", parent: "users"),
        ForeignKey(table: "access_tokens", column: "user_id", parent: "users"),
        ForeignKey(table: "access_tokens", column: "client_ref", parent: "clients"),
        ForeignKey(table: "authorization_codes", column: "user_id", parent: "users"),
        ForeignKey(table: "authorization_codes", column: "client_ref", parent: "clients"),
        ForeignKey(table: "subscriptions", column: "client_ref", parent: "clients"),
        ForeignKey(table: "web_sessions", column: "user_id", parent: "users"),
        ForeignKey(table: "data_exports", column: "user_id", parent: "users"),
        ForeignKey(table: "reports", column: "reporter_id", parent: "users"),
        ForeignKey(table: "reports", column: "target_user", parent: "users"),
        ForeignKey(table: "locations", column: "created_by", parent: "users", onDelete: "SET NULL"),
    ]

    /// Foreign keys on both engines, so that rows go with what they belong to (a media's likes with the media, an
    /// account's tokens with the account) instead of through lists of tables kept by hand. Rows that already name
    /// something gone are removed first (or, for a place's maker, forgotten), the counts they were part of corrected,
    /// and each kind reported. The two indexes let a deletion find its children without reading whole tables.
    static let foreignKeys = Migration(
        version: 24,
        name: "foreign keys",
        statements: [
            "CREATE INDEX upload_keys_media ON upload_keys (media_id)",
            "CREATE INDEX notifications_media ON notifications (media_id)",
        ],
        afterwards: { step in
            try await removeOrphans(step)
            switch step.engine {
            case .postgres:
                for key in references {
                    try await step.tx.execute(
                        SQL(
                            stringLiteral: """
                                ALTER TABLE \(key.table) ADD CONSTRAINT \(key.table)_\(key.column)_fkey FOREIGN KEY (\(key.column))
                                REFERENCES \(key.parent) (id) ON DELETE \(key.onDelete)
                                """
                        )
                    )
                }
            case .sqlite:
                try await rebuildWithForeignKeys(step.tx)
            }
        }
    )

    /// Removes (or, for `SET NULL`, clears) every reference to a row that is gone, and corrects the counts the removed
    /// rows were part of.
    private static func removeOrphans(_ step: MigrationStep) async throws {
        var recountedMedia: Set<Int64> = []
        var followsRemoved = false
        for key in references {
            let orphaned: SQL = SQL(
                stringLiteral: "\(key.column) IS NOT NULL AND NOT EXISTS (SELECT 1 FROM \(key.parent) p WHERE p.id = \(key.table).\(key.column))"
            )
            let removed: [Row]
            if key.onDelete == "SET NULL" {
                removed = try await step.tx.query("UPDATE \(raw: key.table) SET \(raw: key.column) = NULL WHERE \(orphaned) RETURNING 1")
            } else {
                let counted = ["likes", "comments", "media_users_in_photo"].contains(key.table) ? "media_id" : "1"
                removed = try await step.tx.query("DELETE FROM \(raw: key.table) WHERE \(orphaned) RETURNING \(raw: counted)")
                if counted == "media_id" { recountedMedia.formUnion(try removed.decode { try $0.int() }) }
                if key.table == "follows", !removed.isEmpty { followsRemoved = true }
            }
            if !removed.isEmpty {
                step.report(
                    "migration 24: \(removed.count) row(s) of \(key.table) named a \(key.parent) row that is gone "
                        + "(\(key.column)); \(key.onDelete == "SET NULL" ? "cleared" : "removed")"
                )
            }
        }
        if !recountedMedia.isEmpty {
            try await step.tx.execute(
                """
                UPDATE media SET like_count = (SELECT count(*) FROM likes l WHERE l.media_id = media.id),
                       comment_count = (SELECT count(*) FROM comments c WHERE c.media_id = media.id),
                       users_in_photo_count = (SELECT count(*) FROM media_users_in_photo p WHERE p.media_id = media.id),
                       \(MediaVersion.moves)
                 WHERE id IN (\(list: recountedMedia.sorted()))
                """
            )
        }
        if followsRemoved {
            try await step.tx.execute(
                """
                UPDATE users SET follows_count = (SELECT count(*) FROM follows f WHERE f.follower_id = users.id),
                       followed_by_count = (SELECT count(*) FROM follows f WHERE f.followee_id = users.id)
                """
            )
        }
    }

    /// SQLite adds a foreign key only with the table: each table that has one is made anew from its own definition
    /// with the keys added, its rows copied, and its indexes and triggers made again (SQLite's documented way to
    /// change a table's shape). Legacy renaming keeps the rename from checking other tables' triggers meanwhile.
    private static func rebuildWithForeignKeys(_ tx: any SQLExecutor) async throws {
        try await tx.execute("PRAGMA legacy_alter_table = ON")
        var tables: [String] = []
        for key in references where !tables.contains(key.table) { tables.append(key.table) }
        for table in tables {
            guard
                let definition = try await tx.query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = \(table)")
                    .decodeFirst({ try $0.string() }),
                let header = definition.range(of: "CREATE TABLE \(table)"),
                let columnsEnd = definition.lastIndex(of: ")")
            else { throw DatabaseError.columnMismatch("no definition of table \(table) to add its foreign keys to") }
            let extras = try await tx.query(
                "SELECT sql FROM sqlite_master WHERE tbl_name = \(table) AND type IN ('index', 'trigger') AND sql IS NOT NULL ORDER BY type, name"
            ).decode { try $0.string() }
            let keys = references.filter { $0.table == table }
                .map { ",\n    FOREIGN KEY (\($0.column)) REFERENCES \($0.parent) (id) ON DELETE \($0.onDelete)" }
                .joined()
            let rebuilt = "CREATE TABLE \(table)_rebuilt" + definition[header.upperBound..<columnsEnd] + keys + definition[columnsEnd...]
            try await tx.execute(SQL(stringLiteral: rebuilt))
            try await tx.execute(SQL(stringLiteral: "INSERT INTO \(table)_rebuilt SELECT * FROM \(table)"))
            try await tx.execute(SQL(stringLiteral: "DROP TABLE \(table)"))
            try await tx.execute(SQL(stringLiteral: "ALTER TABLE \(table)_rebuilt RENAME TO \(table)"))
            for statement in extras { try await tx.execute(SQL(stringLiteral: statement)) }
        }
        try await tx.execute("PRAGMA legacy_alter_table = OFF")
    }
}
