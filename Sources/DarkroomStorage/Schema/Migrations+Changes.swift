extension Migrations {
    /// Uploads: the file sweep finds which stored keys a row still names, and a retried upload with the same
    /// idempotency key makes one media.
    static let mediaFiles = Migration(
        version: 2,
        name: "media files",
        statements: [
            "CREATE INDEX media_image_key ON media (image_key)",
            "CREATE INDEX users_profile_picture ON users (profile_picture)",
            """
            CREATE TABLE upload_keys (
                user_id BIGINT NOT NULL,
                idempotency_key TEXT NOT NULL,
                media_id BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (user_id, idempotency_key)
            ){NOROWID}
            """,
        ]
    )

    /// Two-dimensional indexes for searches by distance, replacing the latitude B-tree (which scanned a whole band of
    /// latitude): SQLite's R*Tree, kept by triggers, with the creation time as a third dimension for media; PostgreSQL's
    /// built-in GiST over `point(longitude, latitude)`.
    static let geoIndexes = Migration(
        version: 3,
        name: "geo indexes",
        statements: [
            "DROP INDEX media_latitude",
            "DROP INDEX locations_latitude",
        ],
        engineSpecific: [
            .sqlite: [
                "CREATE VIRTUAL TABLE media_geo USING rtree(id, min_latitude, max_latitude, min_longitude, max_longitude, min_time, max_time)",
                """
                INSERT INTO media_geo SELECT id, latitude, latitude, longitude, longitude, created_at, created_at FROM media
                 WHERE latitude IS NOT NULL AND longitude IS NOT NULL
                """,
                """
                CREATE TRIGGER media_geo_insert AFTER INSERT ON media WHEN new.latitude IS NOT NULL AND new.longitude IS NOT NULL BEGIN
                  INSERT INTO media_geo VALUES (new.id, new.latitude, new.latitude, new.longitude, new.longitude, new.created_at, new.created_at);
                END
                """,
                "CREATE TRIGGER media_geo_delete AFTER DELETE ON media BEGIN DELETE FROM media_geo WHERE id = old.id; END",
                "CREATE VIRTUAL TABLE locations_geo USING rtree(id, min_latitude, max_latitude, min_longitude, max_longitude)",
                "INSERT INTO locations_geo SELECT id, latitude, latitude, longitude, longitude FROM locations",
                """
                CREATE TRIGGER locations_geo_insert AFTER INSERT ON locations BEGIN
                  INSERT INTO locations_geo VALUES (new.id, new.latitude, new.latitude, new.longitude, new.longitude);
                END
                """,
                """
                CREATE TRIGGER locations_geo_update AFTER UPDATE OF latitude, longitude ON locations BEGIN
                  UPDATE locations_geo SET min_latitude = new.latitude, max_latitude = new.latitude, min_longitude = new.longitude,
                         max_longitude = new.longitude WHERE id = new.id;
                END
                """,
                "CREATE TRIGGER locations_geo_delete AFTER DELETE ON locations BEGIN DELETE FROM locations_geo WHERE id = old.id; END",
            ],
            .postgres: [
                "CREATE INDEX media_geo ON media USING gist (point(longitude, latitude)) WHERE latitude IS NOT NULL AND longitude IS NOT NULL",
                "CREATE INDEX locations_geo ON locations USING gist (point(longitude, latitude))",
            ],
        ]
    )

    /// Whether the viewer likes each media of a page is a key lookup per media. Keyed by user first, a page's lookups
    /// all land in the viewer's few leaf pages instead of one leaf per media. Still unique: a user likes a media once.
    static let likesByUser = Migration(
        version: 4,
        name: "likes keyed by user",
        statements: [
            "CREATE UNIQUE INDEX likes_user_media ON likes (user_id, media_id)",
            "DROP INDEX likes_media_user",
        ]
    )

    /// Every list checks the version of each media it shows (the rendered copies are valid for one version). The media
    /// rows are wide and scattered; this index holds just the pairs, compact and newest last, where a page's lookups
    /// stay in memory the processor already holds.
    static let mediaVersions = Migration(
        version: 5,
        name: "media versions",
        statements: [
            "CREATE INDEX media_versions ON media (id, version)"
        ]
    )

    /// Jobs are typed (`BackgroundJob`): their payloads become JSON, and one that no type can read is set aside
    /// (`failed_at`) instead of dropped. Pending jobs written as "media author cursor" are rewritten.
    static let typedJobs = Migration(
        version: 6,
        name: "typed jobs",
        statements: [
            "ALTER TABLE jobs ADD COLUMN failed_at BIGINT"
        ],
        engineSpecific: [
            .sqlite: [
                """
                UPDATE jobs SET payload = '{"author":' || substr(substr(payload, instr(payload, ' ') + 1), 1, instr(substr(payload, instr(payload,
                    ' ') + 1), ' ') - 1)
                    || ',"cursor":' || substr(substr(payload, instr(payload, ' ') + 1), instr(substr(payload, instr(payload, ' ') + 1), ' ') + 1)
                    || ',"media":' || substr(payload, 1, instr(payload, ' ') - 1) || '}'
                 WHERE kind IN ('fan-out', 'withdraw') AND payload NOT LIKE '{%'
                """
            ],
            .postgres: [
                """
                UPDATE jobs SET payload = '{"author":' || split_part(payload, ' ', 2) || ',"cursor":' || split_part(payload, ' ', 3)
                    || ',"media":' || split_part(payload, ' ', 1) || '}'
                 WHERE kind IN ('fan-out', 'withdraw') AND payload NOT LIKE '{%'
                """
            ],
        ]
    )

    /// What nothing reads: the CSRF value of a session (forms use a double-submit cookie instead), the challenge method of
    /// a code (only S256 is accepted, so it is always that), and an index on media creation times (every time bound is
    /// an id bound). The `created_at` of likes, follows, requests and blocks stay: they are kept for people's own data
    /// and for moderation.
    static let unusedColumns = Migration(
        version: 7,
        name: "unused columns",
        statements: [
            "ALTER TABLE web_sessions DROP COLUMN csrf_token",
            "ALTER TABLE authorization_codes DROP COLUMN code_challenge_method",
            "DROP INDEX media_created",
        ]
    )

    /// Two client settings: "Enforce signed header" (v1, 2014: writes must carry `X-Insta-Forwarded-For`) and a strict
    /// redirect URI (exact match, as the OAuth 2.0 Security BCP recommends, instead of v1's prefix rules).
    static let clientSecurity = Migration(
        version: 8,
        name: "client security settings",
        statements: [
            "ALTER TABLE clients ADD COLUMN enforce_signed_header BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE clients ADD COLUMN strict_redirect_uri BIGINT NOT NULL DEFAULT 0",
        ]
    )

    /// Who made a place by naming it in an upload (NULL for imported places): such a place is seen only through media
    /// the viewer may see there.
    static let placeMakers = Migration(
        version: 9,
        name: "place makers",
        statements: [
            "ALTER TABLE locations ADD COLUMN created_by BIGINT"
        ]
    )

    /// Each tag's count of media by public accounts, beside its count of all media: what anyone may see of a tag, to
    /// which a viewer's own and approved private accounts are added at read time (`TagStore.counts`).
    static let publicTagCounts = Migration(
        version: 10,
        name: "public tag counts",
        statements: [
            "ALTER TABLE tags ADD COLUMN public_media_count BIGINT NOT NULL DEFAULT 0",
            """
            UPDATE tags SET public_media_count = (SELECT count(*) FROM media_tags t JOIN media m ON m.id = t.media_id JOIN users u ON u.id = m.user_id
                                                   WHERE t.tag_name = tags.name AND u.is_private = 0)
            """,
        ]
    )

    /// Secrets every server process shares, made once: the key that signs private photos' URLs.
    static let serverKeys = Migration(
        version: 11,
        name: "server keys",
        statements: [
            "CREATE TABLE server_keys (name TEXT PRIMARY KEY, value TEXT NOT NULL)"
        ]
    )

    /// Operator accounts (`darkroom user promote`), who moderate.
    static let operators = Migration(
        version: 12,
        name: "operators",
        statements: [
            "ALTER TABLE users ADD COLUMN is_operator BIGINT NOT NULL DEFAULT 0"
        ]
    )

    /// PostgreSQL: a like or comment moves its media's count and version. With `version` in an index the row cannot be
    /// updated in place (a "heap-only tuple" needs every indexed column unchanged), so each like wrote a new entry into
    /// all six of the media's indexes and their pages' full images into the WAL after each checkpoint. Without it, and
    /// with room left in each page (fillfactor), the update stays in its page; the version is then read from the row,
    /// which PostgreSQL's lookups by id find as cheaply. (SQLite keeps the index: its planner reads it instead of the
    /// wide rows, and it updates in place regardless.) Existing tables take the fillfactor as pages are rewritten:
    /// `VACUUM FULL media` applies it at once.
    static let heapOnlyCounts = Migration(
        version: 13,
        name: "heap-only media counts",
        statements: [],
        engineSpecific: [
            .postgres: [
                "DROP INDEX media_versions",
                "ALTER TABLE media SET (fillfactor = 85)",
            ]
        ]
    )

    /// Suspended accounts (moderation) and the record of every moderation action.
    static let suspensions = Migration(
        version: 14,
        name: "suspensions and the moderation log",
        statements: [
            "ALTER TABLE users ADD COLUMN suspended_at BIGINT",
            """
            CREATE TABLE moderation_log (
                id {ID},
                actor TEXT NOT NULL,
                action TEXT NOT NULL,
                target_user BIGINT,
                reason TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX moderation_log_user ON moderation_log (target_user, id)",
        ]
    )

    /// The moderation log names the media or comment an operator removed.
    static let moderatedContent = Migration(
        version: 15,
        name: "moderated content",
        statements: [
            "ALTER TABLE moderation_log ADD COLUMN target_media BIGINT",
            "ALTER TABLE moderation_log ADD COLUMN target_comment BIGINT",
        ]
    )

    /// People's reports for the operators' queue, and the archives of people's own data (`target_*` name what was
    /// reported: the account always — the one reported, or whose photo or comment — and the photo or comment if any).
    static let reportsAndExports = Migration(
        version: 16,
        name: "reports and data exports",
        statements: [
            """
            CREATE TABLE reports (
                id {ID},
                reporter_id BIGINT NOT NULL,
                target_kind TEXT NOT NULL,
                target_user BIGINT NOT NULL,
                target_media BIGINT,
                target_comment BIGINT,
                reason TEXT NOT NULL,
                details TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL,
                resolved_at BIGINT,
                resolved_by TEXT,
                resolution TEXT
            )
            """,
            "CREATE INDEX reports_queue ON reports (resolved_at, id)",
            "CREATE INDEX reports_reporter ON reports (reporter_id, id)",
            "CREATE INDEX reports_target_user ON reports (target_user)",
            """
            CREATE TABLE data_exports (
                id {ID},
                user_id BIGINT NOT NULL,
                state TEXT NOT NULL,
                done BIGINT NOT NULL DEFAULT 0,
                total BIGINT NOT NULL DEFAULT 0,
                file_name TEXT,
                size BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                finished_at BIGINT,
                failure TEXT
            )
            """,
            "CREATE INDEX data_exports_user ON data_exports (user_id, id)",
        ]
    )

    /// Real-time notifications, written in the transaction of the media that causes them (an outbox) and delivered
    /// from here, at least once, by whichever server process claims them.
    static let notificationOutbox = Migration(
        version: 17,
        name: "notification outbox",
        statements: [
            """
            CREATE TABLE notifications (
                id {ID},
                subscription_id BIGINT NOT NULL,
                client_ref BIGINT NOT NULL,
                callback_url TEXT NOT NULL,
                object TEXT NOT NULL,
                object_id TEXT NOT NULL,
                media_id BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                next_attempt_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                lease_until BIGINT NOT NULL DEFAULT 0,
                delivered_at BIGINT,
                failed_at BIGINT,
                last_status BIGINT,
                last_error TEXT
            )
            """,
            "CREATE INDEX notifications_due ON notifications (next_attempt_at) WHERE delivered_at IS NULL AND failed_at IS NULL",
            "CREATE INDEX notifications_subscription ON notifications (subscription_id, id)",
            "CREATE INDEX notifications_client ON notifications (client_ref, id)",
        ]
    )

    /// A new media's place in the real-time outbox: one row written with the post, whatever the subscriptions, turned
    /// into its notifications by the delivery side (so posting costs the same with a thousand subscriptions as with one).
    static let mediaEvents = Migration(
        version: 18,
        name: "media events",
        statements: [
            "CREATE TABLE media_events (id {ID}, media_id BIGINT NOT NULL, created_at BIGINT NOT NULL)"
        ]
    )

    /// Work the servers sharing a database do once between them (the upkeep), claimed for a while by whichever asks first.
    static let fleetLeases = Migration(
        version: 19,
        name: "fleet leases",
        statements: [
            "CREATE TABLE fleet_leases (name {BYTES} PRIMARY KEY, until BIGINT NOT NULL)"
        ]
    )

    /// With read replicas: where each person's last write ended in PostgreSQL's WAL, so any server can send their next
    /// reads to a replica that has replayed it (`ReplicatedDatabase`). Unused on SQLite.
    static let writePositions = Migration(
        version: 20,
        name: "write positions",
        statements: [
            "CREATE TABLE write_positions (writer {BYTES} PRIMARY KEY, position BIGINT NOT NULL, at BIGINT NOT NULL)"
        ]
    )

    /// Counts of changes that every process sharing the database must learn of soon, read by each about once a second
    /// (`GrantCache`): one read a second instead of a short lifetime for every cached copy.
    static let fleetGenerations = Migration(
        version: 21,
        name: "fleet generations",
        statements: [
            "CREATE TABLE fleet_generations (name {BYTES} PRIMARY KEY, value BIGINT NOT NULL)",
            "INSERT INTO fleet_generations (name, value) VALUES ('grants', 0)",
        ]
    )

    /// PostgreSQL tells every listening process of each media whose version moves or that is deleted, when the change
    /// commits (`ChangeWatch`, `KnownMediaVersions`). SQLite has one process and reads versions with the media.
    static let mediaChangeNotices = Migration(
        version: 22,
        name: "media change notices",
        statements: [],
        engineSpecific: [
            .postgres: [
                """
                CREATE FUNCTION darkroom_media_changed() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  PERFORM pg_notify('darkroom_changes', 'media ' || OLD.id);
                  RETURN NULL;
                END
                $$
                """,
                "CREATE TRIGGER media_changed AFTER UPDATE OF version OR DELETE ON media FOR EACH ROW EXECUTE FUNCTION darkroom_media_changed()",
            ]
        ]
    )
}
