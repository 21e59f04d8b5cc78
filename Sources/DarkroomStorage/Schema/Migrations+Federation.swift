extension Migrations {
    /// ActivityPub. A person on another server who follows, likes or comments here, or whom someone here follows, is
    /// a `users` row named `name@host` (no password, so no one signs in as them) with its actor's addresses and key in
    /// `remote_actors`: follows, likes, comments, blocks and feeds then need no second set of rules. `actor_keys` holds
    /// the RSA keys local actors sign with (user 0 is the server's own actor, for signed fetches). `federation_follows`
    /// keeps the id of each Follow activity, which an Accept, Reject or Undo names. `federated_objects` maps the ids
    /// of objects received (likes, replies) to the rows they made, so a later Undo or Delete finds them.
    /// `federation_outbox` is what waits to be delivered, one row an activity an inbox, and `remote_domains` the
    /// operator's policy for each server and whether it answers; `users.remote_followers` counts followers elsewhere.
    static let federation = Migration(
        version: 36,
        name: "federation",
        statements: [
            """
            CREATE TABLE actor_keys (
                user_id BIGINT PRIMARY KEY,
                private_key TEXT NOT NULL,
                public_key TEXT NOT NULL,
                created_at BIGINT NOT NULL
            )
            """,
            """
            CREATE TABLE remote_actors (
                user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                uri TEXT NOT NULL,
                domain TEXT NOT NULL,
                inbox TEXT NOT NULL,
                shared_inbox TEXT,
                followers TEXT,
                profile_url TEXT,
                key_id TEXT NOT NULL,
                public_key TEXT NOT NULL,
                manually_approves BIGINT NOT NULL DEFAULT 0,
                fetched_at BIGINT NOT NULL
            )
            """,
            "CREATE UNIQUE INDEX remote_actors_uri ON remote_actors (uri)",
            "CREATE INDEX remote_actors_key ON remote_actors (key_id)",
            "CREATE INDEX remote_actors_domain ON remote_actors (domain)",
            """
            CREATE TABLE federation_follows (
                follower_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                followee_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                activity_id TEXT NOT NULL,
                PRIMARY KEY (follower_id, followee_id)
            )
            """,
            """
            CREATE TABLE federated_objects (
                uri TEXT PRIMARY KEY,
                kind TEXT NOT NULL,
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                media_id BIGINT NOT NULL,
                local_id BIGINT NOT NULL
            )
            """,
            "CREATE INDEX federated_objects_user ON federated_objects (user_id, kind, media_id)",
            """
            CREATE TABLE federation_outbox (
                id {ID},
                inbox TEXT NOT NULL,
                signer_id BIGINT NOT NULL,
                key_id TEXT NOT NULL,
                activity TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                attempts BIGINT NOT NULL DEFAULT 0,
                delivered_at BIGINT,
                failed_at BIGINT,
                last_status BIGINT,
                last_error TEXT
            )
            """,
            "CREATE INDEX federation_outbox_waiting ON federation_outbox (inbox, id) WHERE delivered_at IS NULL AND failed_at IS NULL",
            "CREATE INDEX federation_outbox_done ON federation_outbox (created_at) WHERE delivered_at IS NOT NULL OR failed_at IS NOT NULL",
            """
            CREATE TABLE remote_domains (
                domain TEXT PRIMARY KEY,
                policy TEXT NOT NULL DEFAULT 'none',
                note TEXT NOT NULL DEFAULT '',
                unavailable_since BIGINT,
                updated_at BIGINT NOT NULL
            )
            """,
            // Of an account's followers, how many are on other servers: they have no home feed here, so a post whose
            // followers are all remote writes none, and one with any is federated (both known from the post's own
            // update of its author's row, without reading `follows`).
            "ALTER TABLE users ADD COLUMN remote_followers BIGINT NOT NULL DEFAULT 0",
        ]
    )

    /// The accounts elsewhere that a person here says were theirs (ActivityPub's `alsoKnownAs`): an account moving here
    /// from another server names one of them as its old one, and its followers are moved only if that one is listed.
    static let accountAliases = Migration(
        version: 37,
        name: "account aliases",
        statements: [
            """
            CREATE TABLE account_aliases (
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                uri TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                PRIMARY KEY (user_id, uri)
            )
            """
        ]
    )
}
