/// Versioned schema changes. Each is a list of statements written once for both engines, with a few
/// placeholders for what differs: `{ID}` an integer primary key (SQLite's rowid alias), `{NOROWID}` SQLite's
/// clustered-key tables, `{BYTES}` text compared byte by byte (PostgreSQL's "C" collation), so prefix ranges agree.
struct Migration: Sendable {
    let version: Int
    let name: String
    let statements: [String]
    /// Statements for one engine only, run after the shared ones: what only one of them has (SQLite's R*Tree).
    var engineSpecific: [SQLEngine: [String]] = [:]
    /// A last step that SQL alone cannot write (say, JSON payloads built from rows), in the same transaction.
    var afterwards: (@Sendable (MigrationStep) async throws -> Void)? = nil
}

/// What a migration's last step works with.
struct MigrationStep: Sendable {
    let tx: any SQLExecutor
    let engine: SQLEngine
    /// The time of the migration (unix seconds).
    let now: Int64
    /// Tells the operator what the migration found and did to the data (say, rows removed), in the log.
    let report: @Sendable (String) -> Void
}

enum Migrations {
    static let all: [Migration] = [
        initialSchema, mediaFiles, geoIndexes, likesByUser, mediaVersions, typedJobs, unusedColumns, clientSecurity, placeMakers, publicTagCounts,
        serverKeys, operators, heapOnlyCounts, suspensions, moderatedContent, reportsAndExports, notificationOutbox, mediaEvents, fleetLeases,
        writePositions, fleetGenerations, mediaChangeNotices, oneJobSystem, foreignKeys, photos, activity,
        photosOfYou, placeNames, accounts, sealedTokens, twoFactor, signupModes, passkeys, videos, imports, federation, accountAliases,
    ]

    static var latestVersion: Int { all.map(\.version).max() ?? 0 }

    /// The whole platform's tables from the start, so later features add behaviour, not a redesign.
    static let initialSchema = Migration(
        version: 1,
        name: "initial schema",
        statements: [
            """
            CREATE TABLE users (
                id {ID},
                username TEXT NOT NULL,
                username_lc {BYTES} NOT NULL,
                full_name TEXT NOT NULL DEFAULT '',
                full_name_lc {BYTES} NOT NULL DEFAULT '',
                bio TEXT NOT NULL DEFAULT '',
                website TEXT NOT NULL DEFAULT '',
                profile_picture TEXT,
                password_hash TEXT,
                is_private BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL,
                media_count BIGINT NOT NULL DEFAULT 0,
                follows_count BIGINT NOT NULL DEFAULT 0,
                followed_by_count BIGINT NOT NULL DEFAULT 0,
                feed_floor BIGINT NOT NULL DEFAULT 0
            )
            """,
            "CREATE UNIQUE INDEX users_username_lc ON users (username_lc)",
            "CREATE INDEX users_full_name_lc ON users (full_name_lc)",
            // Finds the few accounts so followed that their posts are merged into feeds at read time.
            "CREATE INDEX users_followed_by ON users (followed_by_count)",

            """
            CREATE TABLE locations (
                id {ID},
                name TEXT NOT NULL DEFAULT '',
                latitude DOUBLE PRECISION NOT NULL,
                longitude DOUBLE PRECISION NOT NULL,
                street_address TEXT NOT NULL DEFAULT '',
                foursquare_id TEXT,
                foursquare_v2_id TEXT,
                facebook_places_id TEXT,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX locations_latitude ON locations (latitude, longitude)",
            "CREATE INDEX locations_foursquare ON locations (foursquare_id)",
            "CREATE INDEX locations_foursquare_v2 ON locations (foursquare_v2_id)",
            "CREATE INDEX locations_facebook ON locations (facebook_places_id)",

            // Renditions are square JPEGs stored under `image_key`, one per size column. `version` moves whenever anything
            // the media's API object shows changes (counts, samples, the people in it), so rendered copies can be checked.
            """
            CREATE TABLE media (
                id {ID},
                user_id BIGINT NOT NULL,
                type TEXT NOT NULL DEFAULT 'image',
                filter TEXT NOT NULL DEFAULT 'Normal',
                caption TEXT,
                caption_id BIGINT,
                location_id BIGINT,
                latitude DOUBLE PRECISION,
                longitude DOUBLE PRECISION,
                created_at BIGINT NOT NULL,
                image_key TEXT NOT NULL,
                standard_size BIGINT NOT NULL,
                low_size BIGINT NOT NULL,
                thumbnail_size BIGINT NOT NULL,
                tags TEXT NOT NULL DEFAULT '',
                like_count BIGINT NOT NULL DEFAULT 0,
                comment_count BIGINT NOT NULL DEFAULT 0,
                users_in_photo_count BIGINT NOT NULL DEFAULT 0,
                version BIGINT NOT NULL DEFAULT 0
            )
            """,
            "CREATE INDEX media_user ON media (user_id, id)",
            "CREATE INDEX media_location ON media (location_id, id)",
            "CREATE INDEX media_created ON media (created_at)",
            "CREATE INDEX media_latitude ON media (latitude, longitude)",

            """
            CREATE TABLE media_users_in_photo (
                media_id BIGINT NOT NULL,
                user_id BIGINT NOT NULL,
                x DOUBLE PRECISION NOT NULL,
                y DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (media_id, user_id)
            ){NOROWID}
            """,

            """
            CREATE TABLE comments (
                id {ID},
                media_id BIGINT NOT NULL,
                user_id BIGINT NOT NULL,
                text TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX comments_media ON comments (media_id, id)",
            "CREATE INDEX comments_user ON comments (user_id)",

            // A like's id orders `/users/self/media/liked` by when the like happened.
            """
            CREATE TABLE likes (
                id {ID},
                media_id BIGINT NOT NULL,
                user_id BIGINT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX likes_media_user ON likes (media_id, user_id)",
            "CREATE INDEX likes_user ON likes (user_id, id)",
            "CREATE INDEX likes_media ON likes (media_id, id)",

            """
            CREATE TABLE follows (
                follower_id BIGINT NOT NULL,
                followee_id BIGINT NOT NULL,
                id BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (follower_id, followee_id)
            ){NOROWID}
            """,
            "CREATE INDEX follows_followee ON follows (followee_id, id)",
            "CREATE INDEX follows_follower_order ON follows (follower_id, id)",

            """
            CREATE TABLE follow_requests (
                requester_id BIGINT NOT NULL,
                target_id BIGINT NOT NULL,
                id BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (requester_id, target_id)
            ){NOROWID}
            """,
            "CREATE INDEX follow_requests_target ON follow_requests (target_id, id)",

            """
            CREATE TABLE blocks (
                blocker_id BIGINT NOT NULL,
                blocked_id BIGINT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (blocker_id, blocked_id)
            ){NOROWID}
            """,
            "CREATE INDEX blocks_blocked ON blocks (blocked_id, blocker_id)",

            // Per-user home feeds, filled when media is posted and when a follow begins. Every entry with a media id above the
            // user's `feed_floor` is there; what lies below it is read from the followed accounts directly.
            """
            CREATE TABLE feed_entries (
                user_id BIGINT NOT NULL,
                media_id BIGINT NOT NULL,
                author_id BIGINT NOT NULL,
                PRIMARY KEY (user_id, media_id)
            ){NOROWID}
            """,

            "CREATE TABLE tags (name {BYTES} PRIMARY KEY, media_count BIGINT NOT NULL DEFAULT 0)",
            // `id` is when the tag was applied: tag feeds are ordered by it.
            """
            CREATE TABLE media_tags (
                tag_name {BYTES} NOT NULL,
                media_id BIGINT NOT NULL,
                id BIGINT NOT NULL,
                PRIMARY KEY (tag_name, media_id)
            ){NOROWID}
            """,
            "CREATE INDEX media_tags_order ON media_tags (tag_name, id)",
            "CREATE INDEX media_tags_media ON media_tags (media_id)",

            """
            CREATE TABLE clients (
                id {ID},
                client_id TEXT NOT NULL,
                client_secret TEXT NOT NULL,
                owner_id BIGINT,
                name TEXT NOT NULL,
                description TEXT NOT NULL DEFAULT '',
                website TEXT NOT NULL DEFAULT '',
                redirect_uris TEXT NOT NULL DEFAULT '',
                disable_implicit BIGINT NOT NULL DEFAULT 0,
                enforce_signed BIGINT NOT NULL DEFAULT 0,
                trusted BIGINT NOT NULL DEFAULT 0,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX clients_client_id ON clients (client_id)",
            "CREATE INDEX clients_owner ON clients (owner_id)",

            // Tokens are stored only as SHA-256 hashes.
            """
            CREATE TABLE access_tokens (
                id {ID},
                token_hash TEXT NOT NULL,
                user_id BIGINT NOT NULL,
                client_ref BIGINT NOT NULL,
                scopes TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                revoked_at BIGINT,
                code_hash TEXT
            )
            """,
            "CREATE UNIQUE INDEX access_tokens_hash ON access_tokens (token_hash)",
            "CREATE INDEX access_tokens_user ON access_tokens (user_id, client_ref)",

            """
            CREATE TABLE authorization_codes (
                code_hash TEXT PRIMARY KEY,
                client_ref BIGINT NOT NULL,
                user_id BIGINT NOT NULL,
                redirect_uri TEXT NOT NULL,
                scopes TEXT NOT NULL,
                code_challenge TEXT,
                code_challenge_method TEXT,
                created_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,

            """
            CREATE TABLE web_sessions (
                id_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL,
                csrf_token TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,

            """
            CREATE TABLE rate_limit_counters (
                bucket TEXT NOT NULL,
                window_start BIGINT NOT NULL,
                hits BIGINT NOT NULL,
                PRIMARY KEY (bucket, window_start)
            ){NOROWID}
            """,

            // Real-time subscriptions (reference §5): created now so the platform's tables are whole; nothing reads or writes
            // them until the real-time hub is built.
            """
            CREATE TABLE subscriptions (
                id {ID},
                client_ref BIGINT NOT NULL,
                object TEXT NOT NULL,
                object_id TEXT,
                aspect TEXT NOT NULL DEFAULT 'media',
                callback_url TEXT NOT NULL,
                verify_token TEXT,
                latitude DOUBLE PRECISION,
                longitude DOUBLE PRECISION,
                radius DOUBLE PRECISION,
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX subscriptions_client ON subscriptions (client_ref)",
            "CREATE INDEX subscriptions_object ON subscriptions (object, object_id)",

            // Durable background work (fan-out, notification delivery): claimed with a lease, retried with backoff.
            """
            CREATE TABLE jobs (
                id {ID},
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                run_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                leased_until BIGINT NOT NULL DEFAULT 0,
                last_error TEXT
            )
            """,
            "CREATE INDEX jobs_due ON jobs (run_at)",
        ]
    )
}
