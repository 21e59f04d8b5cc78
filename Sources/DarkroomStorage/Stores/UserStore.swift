import DarkroomCore

public struct NewUser: Sendable {
    public var username: String
    public var passwordHash: String?
    public var fullName: String
    public var bio: String
    public var website: String
    public var isPrivate: Bool

    public init(username: String, passwordHash: String? = nil, fullName: String = "", bio: String = "", website: String = "", isPrivate: Bool = false)
    {
        self.username = username
        self.passwordHash = passwordHash
        self.fullName = fullName
        self.bio = bio
        self.website = website
        self.isPrivate = isPrivate
    }
}

/// Users: accounts, profiles and their counts.
public struct UserStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    /// A move is told to followers on other servers (`FederateJob.moved`).
    let jobs: JobQueue

    public func create(_ new: NewUser) async throws -> User {
        let id = try await insert(new, in: database)
        guard let user = try await find(id) else { throw DomainError.vanished(.user) }
        return user
    }

    /// Writes a new account inside `tx`; a username taken (in any letter case) throws `DomainError.taken`.
    func insert(_ new: NewUser, in tx: any SQLExecutor) async throws -> UserID {
        let id = UserID(environment.ids.next())
        do {
            try await tx.execute(
                """
                INSERT INTO users (id, username, username_lc, full_name, full_name_lc, bio, website, password_hash, is_private, created_at)
                VALUES (\(id), \(new.username), \(new.username.lowercased()), \(new.fullName), \(new.fullName.lowercased()),
                        \(new.bio), \(new.website), \(new.passwordHash), \(new.isPrivate), \(environment.nowSeconds))
                """
            )
        } catch DatabaseError.uniqueViolation {
            throw DomainError.taken(field: "username", value: new.username)
        }
        return id
    }

    /// The user with this username (in any letter case) and password; nil otherwise. Costs a bcrypt verification even
    /// for an unknown username, so timing does not tell which usernames exist.
    public func authenticate(username: String, password: String) async throws -> User? {
        let account = try await database.query(
            """
            SELECT id, password_hash FROM users WHERE username_lc = \(username.lowercased()) AND suspended_at IS NULL
            """
        ).decodeFirst { row in (id: try row.id(UserID.self), hash: try row.optionalString()) }
        guard let account, let hash = account.hash else {
            await PasswordHasher.verifyNothing(password)
            return nil
        }
        guard await PasswordHasher.verify(password, hash: hash) else { return nil }
        return try await find(account.id)
    }

    /// What a user edits on the settings page.
    public struct Profile: Sendable {
        public var fullName: String
        public var bio: String
        public var website: String
        public var isPrivate: Bool
        /// Whether their photos show the camera's details.
        public var showsCamera: Bool

        public init(fullName: String, bio: String, website: String, isPrivate: Bool, showsCamera: Bool = false) {
            self.showsCamera = showsCamera
            self.fullName = fullName
            self.bio = bio
            self.website = website
            self.isPrivate = isPrivate
        }
    }

    /// Saves a profile; every media that shows the user is re-rendered on its next read.
    public func update(_ user: UserID, profile: Profile) async throws {
        try await database.transaction { tx in
            let wasPrivate = try await tx.query("SELECT is_private FROM users WHERE id = \(user)").scalarInt() == 1
            if wasPrivate != profile.isPrivate { try await TagStore.moveAccount(user, toPublic: !profile.isPrivate, in: tx) }
            try await tx.execute(
                """
                UPDATE users SET full_name = \(profile.fullName), full_name_lc = \(profile.fullName.lowercased()), bio = \(profile.bio),
                       website = \(profile.website), is_private = \(profile.isPrivate), shows_camera = \(profile.showsCamera)
                 WHERE id = \(user)
                """
            )
            try await MediaVersion.moveAllShowing(user, in: tx)
        }
    }

    /// Says where the account moved (another server's profile URL), or that it did not (nil). A new place is told to
    /// each follower in their activity, in the same transaction.
    public func setMovedTo(_ url: String?, of user: UserID) async throws {
        try await database.transaction { tx in
            let previous = try await tx.query("SELECT moved_to FROM users WHERE id = \(user)").decodeFirst { try $0.optionalString() } ?? nil
            try await tx.execute("UPDATE users SET moved_to = \(url) WHERE id = \(user)")
            guard let url, url != previous else { return }
            try await tx.execute("DELETE FROM activities WHERE actor_id = \(user) AND kind = 'moved'")
            let followers = try await tx.query("SELECT follower_id FROM follows WHERE followee_id = \(user)").decode { try $0.id(UserID.self) }
            for follower in followers {
                try await ActivityStore.record(.moved, to: follower, by: user, environment: environment, in: tx)
            }
            try await jobs.enqueue(FederateJob(.moved(user: user.rawValue)), when: FederateJob.whenFollowedRemotely(user), in: tx)
        }
    }

    /// Sets a user's profile picture (a stored file key) and answers the previous key, for the caller to remove once
    /// this has committed.
    public func setProfilePicture(_ key: String?, of user: UserID) async throws -> String? {
        try await database.transaction { tx -> String? in
            let previous = try await tx.query("SELECT profile_picture FROM users WHERE id = \(user)").decodeFirst { try $0.optionalString() } ?? nil
            try await tx.execute("UPDATE users SET profile_picture = \(key) WHERE id = \(user)")
            try await MediaVersion.moveAllShowing(user, in: tx)
            return previous
        }
    }

    public func find(_ id: UserID) async throws -> User? {
        try await database.lookup("SELECT \(raw: Columns.user) FROM users u WHERE u.id = \(id) AND \(Visibility.present("u"))")
            .decodeFirst(Columns.user)
    }

    public func find(username: String) async throws -> User? {
        try await database.lookup(
            """
            SELECT \(raw: Columns.user) FROM users u WHERE u.username_lc = \(username.lowercased()) AND \(Visibility.present("u"))
            """
        )
        .decodeFirst(Columns.user)
    }

    /// Users whose username or full name starts with `query`, best match first: the exact username, then
    /// username prefixes, then full-name prefixes and full names with a word that starts with it; ties go to
    /// the most followed. Accounts that block the viewer, or that it blocks, are left out.
    public func search(_ query: String, count: Int, viewer: UserID?) async throws -> [UserSummary] {
        let needle = query.lowercased()
        // Both engines compare these columns byte by byte, so a prefix is a range.
        let upper = needle + "\u{10FFFF}"
        let notBlocked = Visibility.notBlocked(user: "u", viewer: viewer)
        let rows = try await database.query(
            """
            SELECT \(raw: Columns.userSummary), rank FROM (
                SELECT u.id AS id, CASE WHEN u.username_lc = \(needle) THEN 0 ELSE 1 END AS rank
                  FROM users u WHERE u.username_lc >= \(needle) AND u.username_lc < \(upper)
                UNION ALL
                SELECT u.id, 2 FROM users u WHERE u.full_name_lc >= \(needle) AND u.full_name_lc < \(upper)
                UNION ALL
                SELECT u.id, 3 FROM users u WHERE u.full_name_lc LIKE \("% " + Self.escapeLike(needle) + "%") ESCAPE '\\'
            ) m JOIN users u ON u.id = m.id
            WHERE \(notBlocked)
            ORDER BY rank, u.followed_by_count DESC, u.username_lc
            LIMIT \(count * 3 + 3)
            """
        )
        var seen = Set<UserID>()
        var result: [UserSummary] = []
        for user in try rows.decode({ row in
            let user = try Columns.userSummary(&row)
            _ = try row.int()  // rank, for the ORDER BY
            return user
        }) {
            if seen.insert(user.id).inserted { result.append(user) }
            if result.count == count { break }
        }
        return result
    }

    static func escapeLike(_ text: String) -> String {
        var out = ""
        for char in text {
            if char == "%" || char == "_" || char == "\\" { out.append("\\") }
            out.append(char)
        }
        return out
    }

    /// Whether any account has more followers than `HomeFeed.readTimeMergeThreshold`, whose posts feeds then merge in
    /// when read (`MergedAccounts` keeps the answer).
    public func anyAccountPastMergeThreshold() async throws -> Bool {
        // The threshold is spelled out, not bound: PostgreSQL plans a kept statement once for any value, and for an
        // unknown bound it scanned the whole table (13 ms on 20,000 users) instead of the index.
        try await !database.lookup(
            "SELECT 1 FROM users WHERE followed_by_count > \(raw: String(HomeFeed.readTimeMergeThreshold)) LIMIT 1"
        ).isEmpty
    }

    /// Marks the account suspended as of `time`, inside the caller's transaction; false when it already was.
    func markSuspended(_ user: UserID, at time: Int64, in tx: any SQLExecutor) async throws -> Bool {
        try await !tx.query("UPDATE users SET suspended_at = \(time) WHERE id = \(user) AND suspended_at IS NULL RETURNING id").isEmpty
    }

    /// Clears the account's suspension, inside the caller's transaction; false when it was not suspended.
    func clearSuspension(_ user: UserID, in tx: any SQLExecutor) async throws -> Bool {
        try await !tx.query("UPDATE users SET suspended_at = NULL WHERE id = \(user) AND suspended_at IS NOT NULL RETURNING id").isEmpty
    }
}
