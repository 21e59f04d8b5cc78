extension Migrations {
    /// Accounts people can keep: an email address (verified or not), single-use tokens sent by mail (verifying an
    /// address, resetting a password; only their hashes), each person's security log, and what a signed-in browser
    /// session shows its owner (the device, the address, when it was last seen).
    static let accounts = Migration(
        version: 29,
        name: "accounts",
        statements: [
            "ALTER TABLE users ADD COLUMN email TEXT",
            "ALTER TABLE users ADD COLUMN email_lc TEXT",
            "ALTER TABLE users ADD COLUMN email_verified_at BIGINT",
            "CREATE INDEX users_email ON users (email_lc) WHERE email_lc IS NOT NULL",
            """
            CREATE TABLE account_tokens (
                token_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                purpose TEXT NOT NULL,
                email TEXT,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            "CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose)",
            "CREATE INDEX account_tokens_expiry ON account_tokens (expires_at)",
            """
            CREATE TABLE security_events (
                id {ID},
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                kind TEXT NOT NULL,
                address TEXT NOT NULL DEFAULT '',
                detail TEXT NOT NULL DEFAULT '',
                created_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX security_events_user ON security_events (user_id, id)",
            "CREATE INDEX security_events_created ON security_events (created_at)",
            "ALTER TABLE web_sessions ADD COLUMN device TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE web_sessions ADD COLUMN address TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE web_sessions ADD COLUMN last_seen_at BIGINT NOT NULL DEFAULT 0",
        ]
    )

    /// A sealed copy of each new access token (`TokenSeal`), so a new grant for the same person, app and scopes hands
    /// back the token the app holds.
    static let sealedTokens = Migration(
        version: 30,
        name: "sealed tokens",
        statements: ["ALTER TABLE access_tokens ADD COLUMN token_sealed TEXT"]
    )

    /// Two-factor sign-in: each person's authenticator secret (in force once a first code came back, with the last step
    /// used, so no code works twice; a new one waits beside it until confirmed) and their single-use recovery codes,
    /// hashed.
    static let twoFactor = Migration(
        version: 31,
        name: "two-factor sign-in",
        statements: [
            """
            CREATE TABLE totp_secrets (
                user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
                secret TEXT,
                confirmed_at BIGINT,
                last_step BIGINT NOT NULL DEFAULT 0,
                pending_secret TEXT,
                pending_at BIGINT
            )
            """,
            """
            CREATE TABLE recovery_codes (
                code_hash TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                used_at BIGINT
            )
            """,
            "CREATE INDEX recovery_codes_user ON recovery_codes (user_id)",
        ]
    )

    /// Who may sign up: the operators' settings (`site_settings`), invitation links, and sign-ups waiting for approval
    /// (held like a suspended account until an operator decides, with the reason the person gave).
    static let signupModes = Migration(
        version: 32,
        name: "sign-up modes",
        statements: [
            "CREATE TABLE site_settings (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
            """
            CREATE TABLE invites (
                id {ID},
                code TEXT NOT NULL,
                created_by BIGINT REFERENCES users (id) ON DELETE CASCADE,
                created_at BIGINT NOT NULL,
                expires_at BIGINT NOT NULL,
                max_uses BIGINT NOT NULL,
                uses BIGINT NOT NULL DEFAULT 0,
                revoked_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX invites_code ON invites (code)",
            "CREATE INDEX invites_creator ON invites (created_by)",
            "ALTER TABLE users ADD COLUMN awaiting_approval BIGINT NOT NULL DEFAULT 0",
            "ALTER TABLE users ADD COLUMN signup_reason TEXT",
            "CREATE INDEX users_awaiting_approval ON users (awaiting_approval) WHERE awaiting_approval = 1",
        ]
    )

    /// Passkeys (WebAuthn): each credential's id, COSE public key and signature counter, and the challenges handed
    /// to browsers (only their hashes; a passkey sign-in's challenge names no one yet).
    static let passkeys = Migration(
        version: 33,
        name: "passkeys",
        statements: [
            """
            CREATE TABLE passkeys (
                credential_id TEXT PRIMARY KEY,
                user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
                public_key TEXT NOT NULL,
                algorithm BIGINT NOT NULL,
                sign_count BIGINT NOT NULL,
                name TEXT NOT NULL,
                created_at BIGINT NOT NULL,
                last_used_at BIGINT
            )
            """,
            "CREATE INDEX passkeys_user ON passkeys (user_id)",
            """
            CREATE TABLE webauthn_challenges (
                challenge_hash TEXT PRIMARY KEY,
                user_id BIGINT REFERENCES users (id) ON DELETE CASCADE,
                purpose TEXT NOT NULL,
                expires_at BIGINT NOT NULL
            )
            """,
            "CREATE INDEX webauthn_challenges_expiry ON webauthn_challenges (expires_at)",
        ]
    )
}
