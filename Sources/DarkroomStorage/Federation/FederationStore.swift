import DarkroomCore

/// ActivityPub's records: local actors' signing keys, remote actors (each a `users` row named `name@host`), Follow
/// activity ids, objects received, and the operator's domain policies. Deliveries are in `FederationOutbox`.
public struct FederationStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let jobs: JobQueue

    /// The server's own actor, which signs fetches (a server that requires signed fetches learns whom to trust from it).
    public static let instanceActor = UserID(0)

    // MARK: Keys

    /// The actor's key pair, made and kept on first use (two servers making one at once keep the first stored).
    public func keyPair(of user: UserID) async throws -> ActorKeyPair {
        if let existing = try await storedKeyPair(of: user) { return existing }
        let made = try ActorKeyPair.generate()
        try await database.execute(
            """
            INSERT INTO actor_keys (user_id, private_key, public_key, created_at)
            VALUES (\(user), \(made.privateKeyPEM), \(made.publicKeyPEM), \(environment.nowSeconds)) ON CONFLICT DO NOTHING
            """
        )
        return try await storedKeyPair(of: user) ?? made
    }

    private func storedKeyPair(of user: UserID) async throws -> ActorKeyPair? {
        try await database.transaction { tx in
            try await tx.query("SELECT private_key, public_key FROM actor_keys WHERE user_id = \(user)").decodeFirst {
                ActorKeyPair(privateKeyPEM: try $0.string(), publicKeyPEM: try $0.string())
            }
        }
    }

    // MARK: Remote actors

    /// Records (or refreshes) a remote actor and answers its local account. An account that approves its followers is
    /// private here (as it is first seen), so its posts show only to its followers. Its name and bio are kept as shown here;
    /// a handle already taken by another actor (the server reassigned the name) moves to this one.
    public func save(_ actor: RemoteActor) async throws -> UserID {
        let now = environment.nowSeconds
        let name = String(actor.name.prefix(100))
        let bio = String(actor.summary.prefix(500))
        return try await database.transaction { tx in
            if let known = try await tx.query("SELECT user_id FROM remote_actors WHERE uri = \(actor.uri)").decodeFirst({ try $0.id(UserID.self) }) {
                let renamed = try await tx.query(
                    """
                    UPDATE users SET full_name = \(name), full_name_lc = \(name.lowercased()), bio = \(bio)
                     WHERE id = \(known) AND (full_name <> \(name) OR bio <> \(bio)) RETURNING id
                    """
                )
                // Their name shows in every rendering of their posts and comments.
                if !renamed.isEmpty { try await MediaVersion.moveAllShowing(known, in: tx) }
                try await tx.execute(
                    """
                    UPDATE remote_actors SET inbox = \(actor.inbox), shared_inbox = \(actor.sharedInbox), followers = \(actor.followers),
                           profile_url = \(actor.profileURL), key_id = \(actor.keyID), public_key = \(actor.publicKeyPEM),
                           manually_approves = \(actor.manuallyApprovesFollowers), fetched_at = \(now)
                     WHERE user_id = \(known)
                    """
                )
                return known
            }
            let username = actor.handle.username
            let id = UserID(environment.ids.next())
            let taken = try await tx.query(
                "SELECT id FROM users WHERE username_lc = \(username.lowercased())"
            ).decodeFirst { try $0.id(UserID.self) }
            if let taken {
                // The same handle now names another actor: the old one keeps its rows under a retired name.
                let retired = "\(username)#\(taken.rawValue)"
                try await tx.execute("UPDATE users SET username = \(retired), username_lc = \(retired.lowercased()) WHERE id = \(taken)")
                try await MediaVersion.moveAllShowing(taken, in: tx)
            }
            try await tx.execute(
                """
                INSERT INTO users (id, username, username_lc, full_name, full_name_lc, bio, website, password_hash, is_private, created_at)
                VALUES (\(id), \(username), \(username.lowercased()), \(name), \(name.lowercased()), \(bio), \(actor.profileURL ?? ""), NULL,
                        \(actor.manuallyApprovesFollowers), \(now))
                """
            )
            try await tx.execute(
                """
                INSERT INTO remote_actors (user_id, uri, domain, inbox, shared_inbox, followers, profile_url, key_id, public_key, manually_approves,
                                           fetched_at)
                VALUES (\(id), \(actor.uri), \(actor.handle.host), \(actor.inbox), \(actor.sharedInbox), \(actor.followers), \(actor.profileURL),
                        \(actor.keyID), \(actor.publicKeyPEM), \(actor.manuallyApprovesFollowers), \(now))
                """
            )
            return id
        }
    }

    private static let actorColumns: SQL =
        """
        r.user_id, r.uri, u.username, u.full_name, u.bio, r.inbox, r.shared_inbox, r.followers, r.profile_url, r.key_id, r.public_key,
        r.manually_approves, r.fetched_at
        """

    private static func decodeActor(_ row: inout Row) throws -> KnownRemoteActor {
        let id: UserID = try row.id()
        let uri = try row.string()
        let username = try row.string()
        let handle = FediverseHandle(username.split(separator: "#").first.map(String.init) ?? username) ?? FediverseHandle(name: username, host: "")
        let actor = RemoteActor(
            uri: uri,
            handle: handle,
            name: try row.string(),
            summary: try row.string(),
            inbox: try row.string(),
            sharedInbox: try row.optionalString(),
            followers: try row.optionalString(),
            profileURL: try row.optionalString(),
            keyID: try row.string(),
            publicKeyPEM: try row.string(),
            manuallyApprovesFollowers: try row.bool()
        )
        return KnownRemoteActor(userID: id, actor: actor, fetchedAt: try row.int())
    }

    public func actor(uri: String) async throws -> KnownRemoteActor? {
        try await database.query("SELECT \(Self.actorColumns) FROM remote_actors r JOIN users u ON u.id = r.user_id WHERE r.uri = \(uri)")
            .decodeFirst(Self.decodeActor)
    }

    /// The actor whose key has this id (a signature's `keyId`).
    public func actor(keyID: String) async throws -> KnownRemoteActor? {
        try await database.query("SELECT \(Self.actorColumns) FROM remote_actors r JOIN users u ON u.id = r.user_id WHERE r.key_id = \(keyID)")
            .decodeFirst(Self.decodeActor)
    }

    public func actor(user: UserID) async throws -> KnownRemoteActor? {
        try await database.query("SELECT \(Self.actorColumns) FROM remote_actors r JOIN users u ON u.id = r.user_id WHERE r.user_id = \(user)")
            .decodeFirst(Self.decodeActor)
    }

    public func actor(handle: FediverseHandle) async throws -> KnownRemoteActor? {
        try await database.query(
            "SELECT \(Self.actorColumns) FROM remote_actors r JOIN users u ON u.id = r.user_id WHERE u.username_lc = \(handle.username.lowercased())"
        ).decodeFirst(Self.decodeActor)
    }

    /// The note id of a remote person's post kept here; nil for a local post.
    public func noteURI(of media: MediaID) async throws -> String? {
        try await database.query("SELECT uri FROM federated_objects WHERE media_id = \(media) AND kind = 'post'").decodeFirst { try $0.string() }
    }

    /// The note id of a remote person's reply kept here as a comment.
    public func commentURI(of comment: Int64) async throws -> String? {
        try await database.query("SELECT uri FROM federated_objects WHERE local_id = \(comment) AND kind = 'comment'").decodeFirst { try $0.string() }
    }

    /// Whether someone here follows the remote account (its posts are welcome only then).
    public func hasLocalFollowers(_ user: UserID) async throws -> Bool {
        try await !database.query(
            """
            SELECT 1 FROM follows f WHERE f.followee_id = \(user) AND NOT EXISTS (SELECT 1 FROM remote_actors r WHERE r.user_id = f.follower_id)
             LIMIT 1
            """
        ).isEmpty
    }

    /// Whether the account is someone else's on another server.
    public func isRemote(_ user: UserID) async throws -> Bool {
        !(try await database.query("SELECT 1 FROM remote_actors WHERE user_id = \(user)")).isEmpty
    }

    /// The inboxes that a local account's followers on other servers read, each server's shared inbox once, leaving
    /// out suspended servers. Only approved followers are in `follows`: a private account's posts go nowhere else.
    public func followerInboxes(of user: UserID) async throws -> [String] {
        try await database.query(
            """
            SELECT DISTINCT COALESCE(r.shared_inbox, r.inbox) FROM follows f JOIN remote_actors r ON r.user_id = f.follower_id
             WHERE f.followee_id = \(user)
               AND NOT EXISTS (SELECT 1 FROM remote_domains d WHERE d.domain = r.domain AND d.policy = 'suspend')
             ORDER BY 1
            """
        ).decode { try $0.string() }
    }

    /// How many people here and on other servers: for NodeInfo, local accounts only.
    public func localCounts() async throws -> (users: Int64, posts: Int64) {
        let users =
            try await database.query(
                "SELECT count(*) FROM users u WHERE NOT EXISTS (SELECT 1 FROM remote_actors r WHERE r.user_id = u.id) AND \(Visibility.present("u"))"
            ).scalarInt() ?? 0
        let posts =
            try await database.query(
                """
                SELECT count(*) FROM media m JOIN users u ON u.id = m.user_id
                 WHERE NOT EXISTS (SELECT 1 FROM remote_actors r WHERE r.user_id = u.id) AND \(Visibility.present("u"))
                """
            ).scalarInt() ?? 0
        return (users, posts)
    }

    /// A remote person shared `media`: it goes into the home feeds of the people here who follow them, once. (Feed
    /// entries name the post's author, so an unfollow of the sharer leaves it, as a boost seen before stays seen.)
    public func share(_ media: MediaID, by sharer: UserID) async throws {
        try await database.execute(
            """
            INSERT INTO feed_entries (user_id, media_id, author_id)
            SELECT f.follower_id, m.id, m.user_id FROM follows f JOIN media m ON m.id = \(media)
             WHERE f.followee_id = \(sharer) AND NOT EXISTS (SELECT 1 FROM remote_actors r WHERE r.user_id = f.follower_id)
            ON CONFLICT DO NOTHING
            """
        )
    }

    // MARK: Follow activities

    /// Keeps the id of the Follow that made (or asked for) this follow, for the Accept, Reject or Undo that names it.
    public func recordFollow(_ follower: UserID, _ followee: UserID, activity: String) async throws {
        try await database.execute(
            """
            INSERT INTO federation_follows (follower_id, followee_id, activity_id) VALUES (\(follower), \(followee), \(activity))
            ON CONFLICT (follower_id, followee_id) DO UPDATE SET activity_id = \(activity)
            """
        )
    }

    public func followActivity(_ follower: UserID, _ followee: UserID) async throws -> String? {
        try await database.query(
            "SELECT activity_id FROM federation_follows WHERE follower_id = \(follower) AND followee_id = \(followee)"
        ).decodeFirst { try $0.string() }
    }

    /// The follow a Follow activity id made, if any.
    public func follow(activity: String) async throws -> (follower: UserID, followee: UserID)? {
        try await database.query("SELECT follower_id, followee_id FROM federation_follows WHERE activity_id = \(activity)").decodeFirst {
            (try $0.id(UserID.self), try $0.id(UserID.self))
        }
    }

    // MARK: Objects received

    public enum ObjectKind: String, Sendable {
        case like
        case comment
        /// A remote person's post, kept as their media here.
        case post
    }

    public func recordObject(_ uri: String, kind: ObjectKind, user: UserID, media: MediaID, localID: Int64) async throws {
        try await database.execute(
            """
            INSERT INTO federated_objects (uri, kind, user_id, media_id, local_id) VALUES (\(uri), \(kind.rawValue), \(user), \(media), \(localID))
            ON CONFLICT (uri) DO NOTHING
            """
        )
    }

    public func object(_ uri: String) async throws -> (kind: ObjectKind, user: UserID, media: MediaID, localID: Int64)? {
        try await database.query("SELECT kind, user_id, media_id, local_id FROM federated_objects WHERE uri = \(uri)").decodeFirst { row in
            (ObjectKind(rawValue: try row.string()) ?? .like, try row.id(UserID.self), try row.id(MediaID.self), try row.int())
        }
    }

    public func forgetObject(_ uri: String) async throws {
        try await database.execute("DELETE FROM federated_objects WHERE uri = \(uri)")
    }

    // MARK: Aliases

    /// The most accounts elsewhere one person may name as theirs.
    public static let aliasLimit = 10

    /// The actor ids of the accounts elsewhere that `user` says were theirs, oldest first.
    public func aliases(of user: UserID) async throws -> [String] {
        try await Self.aliases(of: user, in: database)
    }

    static func aliases(of user: UserID, in database: any SQLExecutor) async throws -> [String] {
        try await database.query("SELECT uri FROM account_aliases WHERE user_id = \(user) ORDER BY created_at, uri").decode { try $0.string() }
    }

    public func addAlias(_ uri: String, of user: UserID) async throws {
        try await database.transaction { tx in
            let named = try await tx.query("SELECT uri FROM account_aliases WHERE user_id = \(user)").decode { try $0.string() }
            guard !named.contains(uri) else { return }
            guard named.count < Self.aliasLimit else {
                throw DomainError.invalidInput(field: "alias", reason: "at most \(Self.aliasLimit) old accounts; remove one first")
            }
            try await tx.execute(
                "INSERT INTO account_aliases (user_id, uri, created_at) VALUES (\(user), \(uri), \(environment.nowSeconds)) ON CONFLICT DO NOTHING"
            )
        }
    }

    public func removeAlias(_ uri: String, of user: UserID) async throws {
        try await database.execute("DELETE FROM account_aliases WHERE user_id = \(user) AND uri = \(uri)")
    }

    // MARK: Domains

    public func policy(of domain: String) async throws -> DomainPolicy {
        try await database.query("SELECT policy FROM remote_domains WHERE domain = \(domain.lowercased())").decodeFirst {
            DomainPolicy(rawValue: try $0.string()) ?? .none
        } ?? .none
    }

    public func setPolicy(_ policy: DomainPolicy, of domain: String, note: String = "") async throws {
        try await database.execute(
            """
            INSERT INTO remote_domains (domain, policy, note, updated_at) VALUES (\(domain.lowercased()), \(policy.rawValue), \(note),
                \(environment.nowSeconds))
            ON CONFLICT (domain) DO UPDATE SET policy = \(policy.rawValue), note = \(note), updated_at = \(environment.nowSeconds)
            """
        )
    }

    public struct DomainEntry: Sendable, Equatable {
        public var domain: String
        public var policy: DomainPolicy
        public var note: String
        public var unavailableSince: Int64?
    }

    public func domains() async throws -> [DomainEntry] {
        try await database.query("SELECT domain, policy, note, unavailable_since FROM remote_domains ORDER BY domain").decode {
            DomainEntry(
                domain: try $0.string(),
                policy: DomainPolicy(rawValue: try $0.string()) ?? .none,
                note: try $0.string(),
                unavailableSince: try $0.optionalInt()
            )
        }
    }
}
