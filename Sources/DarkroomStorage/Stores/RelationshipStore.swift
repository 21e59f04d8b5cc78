import DarkroomCore

/// Follows, follow requests and blocks between users, with the follow counts and home feeds kept in step.
public struct RelationshipStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    /// A block changes what its two users' tokens say about blocks.
    let changes: StoreChanges
    /// Rung after a write that tells someone of it, for this process's live streams (`ActivityStore`).
    let live: LiveSignal
    /// Tells other servers of a change that concerns someone there (`FederateJob`), when this process federates.
    let jobs: JobQueue
    let federation: FederationSwitch

    /// Checks `UserPolicy` for an action by `actor` on an existing user `target`; `DomainError.notFound(.user)` when
    /// there is no such user (a suspended one included), the policy's refusal otherwise.
    public func authorize(_ action: UserPolicy.Action, actor: UserID?, target: UserID) async throws {
        let facts = try await database.lookup(
            """
            SELECT CASE WHEN \(Visibility.mediaOf(owner: "u", viewer: actor)) THEN 1 ELSE 0 END,
                   CASE WHEN EXISTS (SELECT 1 FROM blocks WHERE blocker_id = \(actor?.rawValue ?? 0) AND blocked_id = u.id) THEN 1 ELSE 0 END,
                   CASE WHEN EXISTS (SELECT 1 FROM blocks WHERE blocker_id = u.id AND blocked_id = \(actor?.rawValue ?? 0)) THEN 1 ELSE 0 END
              FROM users u WHERE u.id = \(target) AND \(Visibility.present("u"))
            """
        ).decodeFirst { UserPolicy.Facts(actorCanViewMedia: try $0.bool(), actorBlocksTarget: try $0.bool(), targetBlocksActor: try $0.bool()) }
        guard let facts else { throw DomainError.notFound(.user) }
        try UserPolicy.check(action, actor: actor, target: target, facts: facts)
    }

    public func relationship(of viewer: UserID, to target: UserID) async throws -> Relationship {
        try await state(of: viewer, to: target).relationship
    }

    /// The viewer's relationship to an existing other user and the facts `UserPolicy` decides on, in one read;
    /// `DomainError.notFound(.user)` when there is no such user.
    public func state(of viewer: UserID, to target: UserID) async throws -> (relationship: Relationship, facts: UserPolicy.Facts) {
        guard let found = try await read("u.id = \(target)", viewer: viewer) else { throw DomainError.notFound(.user) }
        return (found.relationship, found.facts)
    }

    /// A user by name with how `viewer` (nil for a visitor) stands to them and the facts `UserPolicy` decides on, in
    /// one read: what a profile page needs first. Nil when there is no such (present) user.
    public func profile(username: String, viewer: UserID?) async throws -> (user: User, relationship: Relationship, facts: UserPolicy.Facts)? {
        try await read("u.username_lc = \(username.lowercased())", viewer: viewer)
    }

    private func read(_ which: SQL, viewer: UserID?) async throws -> (user: User, relationship: Relationship, facts: UserPolicy.Facts)? {
        let me = viewer?.rawValue ?? 0
        return try await database.lookup(
            """
            SELECT \(raw: Columns.user),
              EXISTS (SELECT 1 FROM follows WHERE follower_id = \(me) AND followee_id = u.id),
              EXISTS (SELECT 1 FROM follow_requests WHERE requester_id = \(me) AND target_id = u.id),
              EXISTS (SELECT 1 FROM follows WHERE follower_id = u.id AND followee_id = \(me)),
              EXISTS (SELECT 1 FROM follow_requests WHERE requester_id = u.id AND target_id = \(me)),
              EXISTS (SELECT 1 FROM blocks WHERE blocker_id = \(me) AND blocked_id = u.id),
              EXISTS (SELECT 1 FROM blocks WHERE blocker_id = u.id AND blocked_id = \(me)),
              CASE WHEN \(Visibility.mediaOf(owner: "u", viewer: viewer)) THEN 1 ELSE 0 END
              FROM users u WHERE \(which) AND \(Visibility.present("u"))
            """
        ).decodeFirst { row in
            let user = try Columns.user(&row)
            let (follows, requested, followedBy, requestedBy) = (try row.bool(), try row.bool(), try row.bool(), try row.bool())
            let (blockedByYou, blocksYou, canViewMedia) = (try row.bool(), try row.bool(), try row.bool())
            let outgoing: Relationship.Outgoing = follows ? .follows : requested ? .requested : .none
            let incoming: Relationship.Incoming = blockedByYou ? .blockedByYou : followedBy ? .followedBy : requestedBy ? .requestedBy : .none
            return (
                user, Relationship(outgoing: outgoing, incoming: incoming, targetIsPrivate: user.isPrivate),
                UserPolicy.Facts(actorCanViewMedia: canViewMedia, actorBlocksTarget: blockedByYou, targetBlocksActor: blocksYou)
            )
        }
    }

    // MARK: - Actions

    /// Applies a relationship action of `viewer` on `target` (an existing user they may relate to, by `UserPolicy`),
    /// and answers the relationship after. The API's `POST /users/{id}/relationship` and the profile page's buttons
    /// both come here. One read serves the policy check and, for a follow or an unfollow, the answer.
    public func apply(_ action: RelationshipAction, viewer: UserID, target: UserID) async throws -> Relationship {
        let (current, facts) = try await state(of: viewer, to: target)
        try UserPolicy.check(.relate, actor: viewer, target: target, facts: facts)
        switch action {
        case .follow: return try await requestFollow(viewer, target, current: current, facts: facts)
        case .unfollow:
            try await unfollow(viewer, target)
            return Relationship(outgoing: .none, incoming: current.incoming, targetIsPrivate: current.targetIsPrivate)
        case .block: try await block(viewer, target)
        case .unblock: try await unblock(viewer, target)
        case .approve: _ = try await approve(viewer, requester: target)
        case .ignore: try await ignore(viewer, requester: target)
        case .remove: try await removeFollower(target, of: viewer)
        }
        return try await relationship(of: viewer, to: target)
    }

    /// Follows a public account at once; asks a private one. Refused between users where either blocks the other.
    /// `facts` are read when not given. Answers the relationship after.
    @discardableResult
    public func requestFollow(_ viewer: UserID, _ target: UserID, current: Relationship, facts: UserPolicy.Facts? = nil) async throws -> Relationship
    {
        if let facts {
            try UserPolicy.check(.follow, actor: viewer, target: target, facts: facts)
        } else {
            try await authorize(.follow, actor: viewer, target: target)
        }
        var after = current
        // Someone on another server answers a follow with an Accept, as a private account's owner does here.
        var isRemote = false
        if federation.isOn { isRemote = try await !database.query("SELECT 1 FROM remote_actors WHERE user_id = \(target)").isEmpty }
        if current.targetIsPrivate || isRemote {
            if current.outgoing == .follows { return current }
            defer {
                live.ring()
                jobs.wake()
            }
            try await database.transaction { tx in
                let asked = try await tx.query(
                    """
                    INSERT INTO follow_requests (requester_id, target_id, id, created_at)
                    VALUES (\(viewer), \(target), \(environment.ids.next()), \(environment.nowSeconds)) ON CONFLICT DO NOTHING RETURNING id
                    """
                )
                if !asked.isEmpty {
                    try await federate(
                        FederateJob(.follow(follower: viewer.rawValue, followee: target.rawValue)),
                        when: FederateJob.whenRemote(target, local: viewer),
                        in: tx
                    )
                    try await ActivityStore.record(.request, to: target, by: viewer, environment: environment, in: tx)
                    try await LiveEvents.announce(in: tx, engine: database.engine)
                }
            }
            after.outgoing = .requested
        } else {
            try await follow(viewer, target)
            after.outgoing = .follows
        }
        return after
    }

    /// Makes `follower` follow `followee` (an approved follow); doing it twice changes nothing. `approving`: the
    /// followee granted the follower's request, and the follower is told.
    public func follow(_ follower: UserID, _ followee: UserID, approving: Bool = false) async throws {
        let id = environment.ids.next()
        defer {
            live.ring()
            jobs.wake()
        }
        try await database.transaction { tx in
            try await tx.execute("DELETE FROM follow_requests WHERE requester_id = \(follower) AND target_id = \(followee)")
            try await ActivityStore.withdraw(.request, to: followee, by: follower, in: tx)
            let inserted = try await tx.query(
                """
                INSERT INTO follows (follower_id, followee_id, id, created_at) VALUES (\(follower), \(followee), \(id), \(environment.nowSeconds))
                ON CONFLICT DO NOTHING RETURNING id
                """
            )
            guard !inserted.isEmpty else { return }
            try await federate(
                FederateJob(.accept(follower: follower.rawValue, followee: followee.rawValue)),
                when: FederateJob.whenRemote(follower, local: followee),
                in: tx
            )
            try await tx.execute("UPDATE users SET follows_count = follows_count + 1 WHERE id = \(follower)")
            try await tx.execute(
                """
                UPDATE users SET followed_by_count = followed_by_count + 1,
                       remote_followers = remote_followers + (SELECT count(*) FROM remote_actors WHERE user_id = \(follower))
                 WHERE id = \(followee)
                """
            )
            try await HomeFeed.backfill(follower, from: followee, in: tx)
            try await ActivityStore.record(.follow, to: followee, by: follower, environment: environment, in: tx)
            if approving { try await ActivityStore.record(.approval, to: follower, by: followee, environment: environment, in: tx) }
            try await LiveEvents.announce(in: tx, engine: database.engine)
        }
    }

    /// Stops following, or withdraws a pending request.
    public func unfollow(_ follower: UserID, _ followee: UserID) async throws {
        defer { jobs.wake() }
        try await database.transaction { tx in
            try await federate(
                FederateJob(.undoFollow(follower: follower.rawValue, followee: followee.rawValue)),
                when: FederateJob.whenRemote(followee, local: follower),
                in: tx
            )
            try await tx.execute("DELETE FROM follow_requests WHERE requester_id = \(follower) AND target_id = \(followee)")
            try await ActivityStore.withdraw(.request, to: followee, by: follower, in: tx)
            try await Self.removeFollow(follower, followee, in: tx)
        }
    }

    /// Grants a pending request from `requester`; false if there was none.
    public func approve(_ viewer: UserID, requester: UserID) async throws -> Bool {
        let pending = try await database.query("SELECT 1 FROM follow_requests WHERE requester_id = \(requester) AND target_id = \(viewer)")
        guard !pending.isEmpty else { return false }
        try await follow(requester, viewer, approving: true)
        return true
    }

    /// Stops `follower` following `user`, at `user`'s word (a private account's owner keeps out whom they let in).
    public func removeFollower(_ follower: UserID, of user: UserID) async throws {
        defer { jobs.wake() }
        try await database.transaction { tx in
            try await federate(
                FederateJob(.reject(follower: follower.rawValue, followee: user.rawValue)),
                when: FederateJob.whenRemote(follower, local: user),
                in: tx
            )
            try await Self.removeFollow(follower, user, in: tx)
        }
    }

    /// Which of `others` the viewer follows, and which they asked to follow.
    public func outgoing(of viewer: UserID, to others: [UserID]) async throws -> [UserID: Relationship.Outgoing] {
        guard !others.isEmpty else { return [:] }
        var states: [UserID: Relationship.Outgoing] = [:]
        // One statement for both: explore and the people lists ask this on every visit.
        let rows = try await database.query(
            """
            SELECT followee_id, 1 FROM follows WHERE follower_id = \(viewer) AND followee_id IN (\(list: others))
            UNION ALL
            SELECT target_id, 0 FROM follow_requests WHERE requester_id = \(viewer) AND target_id IN (\(list: others))
            """
        ).decode { (id: try $0.id(UserID.self), follows: try $0.bool()) }
        for row in rows { states[row.id] = row.follows ? .follows : .requested }
        return states
    }

    /// Turns down a pending request from `requester`.
    public func ignore(_ viewer: UserID, requester: UserID) async throws {
        defer { jobs.wake() }
        try await database.transaction { tx in
            try await federate(
                FederateJob(.reject(follower: requester.rawValue, followee: viewer.rawValue)),
                when: FederateJob.whenRemote(requester, local: viewer),
                in: tx
            )
            try await tx.execute("DELETE FROM follow_requests WHERE requester_id = \(requester) AND target_id = \(viewer)")
            try await ActivityStore.withdraw(.request, to: viewer, by: requester, in: tx)
        }
    }

    /// Blocks `target`: follows both ways and requests both ways end, and each is hidden from the other.
    public func block(_ viewer: UserID, _ target: UserID) async throws {
        defer { jobs.wake() }
        try await database.transaction { tx in
            try await federate(
                FederateJob(.block(blocker: viewer.rawValue, blocked: target.rawValue)),
                when: FederateJob.whenRemote(target, local: viewer),
                in: tx
            )
            try await Self.removeFollow(viewer, target, in: tx)
            try await Self.removeFollow(target, viewer, in: tx)
            try await tx.execute(
                """
                DELETE FROM follow_requests WHERE (requester_id = \(viewer) AND target_id = \(target)) OR (requester_id = \(target) AND target_id =
                    \(viewer))
                """
            )
            try await tx.execute(
                """
                INSERT INTO blocks (blocker_id, blocked_id, created_at) VALUES (\(viewer), \(target), \(environment.nowSeconds)) ON CONFLICT DO
                    NOTHING
                """
            )
        }
        await changes.grantsChanged()
    }

    /// Lifts a block; it restores nothing by itself.
    public func unblock(_ viewer: UserID, _ target: UserID) async throws {
        try await database.execute("DELETE FROM blocks WHERE blocker_id = \(viewer) AND blocked_id = \(target)")
        await changes.grantsChanged()
    }

    /// Queues what other servers must hear of this change, when this process federates and `condition` holds.
    private func federate(_ job: FederateJob, when condition: SQL, in tx: any SQLExecutor) async throws {
        guard federation.isOn else { return }
        try await jobs.enqueue(job, when: condition, in: tx)
    }

    private static func removeFollow(_ follower: UserID, _ followee: UserID, in tx: any SQLExecutor) async throws {
        let deleted = try await tx.query("DELETE FROM follows WHERE follower_id = \(follower) AND followee_id = \(followee) RETURNING id")
        guard !deleted.isEmpty else { return }
        try await ActivityStore.withdraw(.follow, to: followee, by: follower, in: tx)
        try await tx.execute("UPDATE users SET follows_count = follows_count - 1 WHERE id = \(follower)")
        try await tx.execute(
            """
            UPDATE users SET followed_by_count = followed_by_count - 1,
                   remote_followers = remote_followers - (SELECT count(*) FROM remote_actors WHERE user_id = \(follower))
             WHERE id = \(followee)
            """
        )
        try await HomeFeed.remove(author: followee, from: follower, in: tx)
    }

    // MARK: - Lists

    /// Whom `user` follows, most recent follow first, paged by the follow's id. Users either side blocks are left out.
    public func follows(of user: UserID, count: Int, cursor: Int64?, viewer: UserID?) async throws -> Paged<UserSummary> {
        try await list(
            "SELECT f.id, \(raw: Columns.userSummary) FROM follows f JOIN users u ON u.id = f.followee_id WHERE f.follower_id = \(user)",
            count: count,
            cursor: cursor,
            viewer: viewer
        )
    }

    /// Who follows `user`, most recent first.
    public func followers(of user: UserID, count: Int, cursor: Int64?, viewer: UserID?) async throws -> Paged<UserSummary> {
        try await list(
            "SELECT f.id, \(raw: Columns.userSummary) FROM follows f JOIN users u ON u.id = f.follower_id WHERE f.followee_id = \(user)",
            count: count,
            cursor: cursor,
            viewer: viewer
        )
    }

    /// Who asked to follow `user`, most recent first.
    public func requests(to user: UserID, count: Int, cursor: Int64?) async throws -> Paged<UserSummary> {
        try await list(
            "SELECT f.id, \(raw: Columns.userSummary) FROM follow_requests f JOIN users u ON u.id = f.requester_id WHERE f.target_id = \(user)",
            count: count,
            cursor: cursor,
            viewer: user
        )
    }

    private func list(_ base: SQL, count: Int, cursor: Int64?, viewer: UserID?) async throws -> Paged<UserSummary> {
        let bound: SQL = cursor.map { "AND f.id < \($0)" } ?? ""
        let rows = try await database.query(
            """
            \(base) \(bound) AND \(Visibility.notBlocked(user: "u", viewer: viewer)) ORDER BY f.id DESC LIMIT \(count + 1)
            """
        ).decode { (cursor: try $0.int(), user: try Columns.userSummary(&$0)) }
        let page = rows.prefix(count)
        let next = rows.count > count ? page.last.map { String($0.cursor) } : nil
        return Paged(items: page.map(\.user), nextCursor: next)
    }
}
