import DarkroomCore

/// Likes on media, with each media's like count and version kept in the same transaction.
public struct LikeStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    /// Rung after a write that tells someone of it, for this process's live streams (`ActivityStore`).
    let live: LiveSignal
    let jobs: JobQueue
    let federation: FederationSwitch

    /// Likes a media; liking twice is harmless. The media must exist when the like commits — checked in its transaction,
    /// so a like racing a delete is either removed with the media or refused (`notFound(.media)`), never left behind —
    /// and, with `checking`, `MediaPolicy` must allow it there too (the API's path; data set-up may skip it).
    public func like(_ media: MediaID, by user: UserID, checking action: MediaPolicy.Action? = nil) async throws {
        let id = environment.ids.next()
        let engine = database.engine
        defer { live.ring() }
        if engine == .postgres {
            try await likeOnPostgres(media, by: user, id: id, checking: action)
            return try await federate(.like(media: media.rawValue, user: user.rawValue), media: media, user: user)
        }
        try await database.transaction { tx in
            try await MediaStore.authorize(action, media, actor: user, in: tx, lock: .adding, engine: engine)
            let inserted = try await tx.query(
                """
                INSERT INTO likes (id, media_id, user_id, created_at) VALUES (\(id), \(media), \(user), \(environment.nowSeconds))
                ON CONFLICT DO NOTHING RETURNING id
                """
            )
            guard !inserted.isEmpty else { return }
            let owner = try await tx.query(
                "UPDATE media SET like_count = like_count + 1, \(MediaVersion.moves) WHERE id = \(media) RETURNING user_id"
            ).decodeFirst { try $0.id(UserID.self) }
            if let owner { try await ActivityStore.record(.like, to: owner, by: user, media: media, environment: environment, in: tx) }
        }
        try await federate(.like(media: media.rawValue, user: user.rawValue), media: media, user: user)
    }

    /// PostgreSQL: a transaction of five statements is five round trips, each costing both processes more than the
    /// work (measured: the like load was bound by Darkroom's CPU, mostly socket writes and task switches). So the
    /// policy is decided on a plain read, and one statement writes only while the facts it was decided on still hold
    /// (the same owner; the viewer can still see the media) — holding the media as the transaction did. When they
    /// changed in between, the read is made again and the policy decides afresh.
    private func likeOnPostgres(_ media: MediaID, by user: UserID, id: Int64, checking action: MediaPolicy.Action?) async throws {
        for _ in 0..<3 {
            let owner = try await MediaStore.authorize(action, media, actor: user, in: database, lock: nil)
            // The policy allows nothing on media the actor cannot see, so a checked like was decided on "visible".
            let stillVisible = action == nil ? "1 = 1" : Visibility.mediaOf(owner: "u", viewer: user)
            let held = try await database.query(
                """
                WITH target AS (
                    SELECT m.id FROM media m JOIN users u ON u.id = m.user_id
                     WHERE m.id = \(media) AND m.user_id = \(owner) AND \(stillVisible) FOR KEY SHARE OF m),
                added AS (
                    INSERT INTO likes (id, media_id, user_id, created_at) SELECT \(id), id, \(user), \(environment.nowSeconds) FROM target
                    ON CONFLICT DO NOTHING RETURNING media_id),
                counted AS (
                    UPDATE media SET like_count = like_count + 1, \(MediaVersion.moves) WHERE id IN (SELECT media_id FROM added)),
                noted AS (
                    INSERT INTO activities (id, recipient_id, actor_id, kind, media_id, created_at)
                    SELECT \(environment.ids.next()), \(owner), \(user), 'like', media_id, \(environment.nowSeconds) FROM added
                     WHERE \(owner) <> \(user) RETURNING id)
                SELECT (SELECT count(*) FROM target) + 0 * (SELECT count(pg_notify(\(LiveSignal.channel), '')) FROM noted)
                """
            ).scalarInt()
            if held == 1 { return }
        }
        throw DatabaseError.busy("the media kept changing while it was being liked")
    }

    /// Tells the author of a remote post of a like (or its end) from someone here, when this server federates.
    private func federate(_ event: FederateJob.Event, media: MediaID, user: UserID) async throws {
        guard federation.isOn else { return }
        try await database.transaction { tx in
            try await jobs.enqueue(FederateJob(event), when: FederateJob.whenRemotePost(media, local: user), in: tx)
        }
        jobs.wake()
    }

    /// Takes a like back; unliking what is not liked is harmless.
    public func unlike(_ media: MediaID, by user: UserID) async throws {
        try await federate(.unlike(media: media.rawValue, user: user.rawValue), media: media, user: user)
        if database.engine == .postgres {
            // One statement, for the reason `likeOnPostgres` gives; the count moves only when a like row went.
            try await database.execute(
                """
                WITH removed AS (DELETE FROM likes WHERE media_id = \(media) AND user_id = \(user) RETURNING media_id),
                withdrawn AS (
                    DELETE FROM activities WHERE actor_id = \(user) AND kind = 'like' AND media_id IN (SELECT media_id FROM removed))
                UPDATE media SET like_count = like_count - 1, \(MediaVersion.moves) WHERE id IN (SELECT media_id FROM removed)
                """
            )
            return
        }
        try await database.transaction { tx in
            let deleted = try await tx.query("DELETE FROM likes WHERE media_id = \(media) AND user_id = \(user) RETURNING id")
            guard !deleted.isEmpty else { return }
            try await ActivityStore.withdraw(.like, by: user, media: media, in: tx)
            try await tx.execute("UPDATE media SET like_count = like_count - 1, \(MediaVersion.moves) WHERE id = \(media)")
        }
    }

    /// A page of the users who like a media, most recent first, paged by the like's id (`before`); users either side
    /// blocks are left out. The caller has checked the viewer may see the media.
    public func likers(of media: MediaID, viewer: UserID?, count: Int, before: Int64?) async throws -> Paged<UserSummary> {
        let bound: SQL = before.map { "AND l.id < \($0)" } ?? ""
        let rows = try await database.query(
            """
            SELECT \(raw: Columns.userSummary), l.id FROM likes l JOIN users u ON u.id = l.user_id
             WHERE l.media_id = \(media) \(bound) AND \(Visibility.notBlocked(user: "u", viewer: viewer))
             ORDER BY l.id DESC LIMIT \(count + 1)
            """
        ).decode { row in (user: try Columns.userSummary(&row), likeID: try row.int()) }
        let page = rows.prefix(count)
        return Paged(items: page.map(\.user), nextCursor: rows.count > count ? page.last.map { String($0.likeID) } : nil)
    }

    /// The users who like a media, most recent first, at most `limit`; users either side blocks are left out.
    public func likers(of media: MediaID, viewer: UserID?, limit: Int = 1000) async throws -> [UserSummary] {
        try await database.query(
            """
            SELECT \(raw: Columns.userSummary) FROM likes l JOIN users u ON u.id = l.user_id
             WHERE l.media_id = \(media) AND \(Visibility.notBlocked(user: "u", viewer: viewer))
             ORDER BY l.id DESC LIMIT \(limit)
            """
        ).decode(Columns.userSummary)
    }
}
