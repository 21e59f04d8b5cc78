import DarkroomCore

/// Reads media lists and turns ids into full media objects in a fixed, small number of queries.
public struct MediaStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// How many likers and comments a media object carries as samples; `count` is always the true total.
    public static let likerSampleSize = 4
    public static let commentSampleSize = 4

    // MARK: - Lists

    /// A user's own media, newest first. The caller has already checked the viewer may see them.
    public func recent(of owner: UserID, page: MediaPageRequest, viewer: UserID?) async throws -> Paged<MediaStamp> {
        let bounds = Self.idBounds(page, column: "m.id")
        let ids = try await database.lookup(
            """
            SELECT m.id FROM media m WHERE m.user_id = \(owner) \(bounds)
            ORDER BY m.id DESC LIMIT \(page.count + 1)
            """
        ).decode { try $0.id(MediaID.self) }
        return try await paged(ids, count: page.count, viewer: viewer)
    }

    /// The page of the viewer's home feed held in its materialized feed (`HomeFeed`), with stamps: one index range,
    /// which holds every entry above the viewer's feed floor. `mergingAccounts` adds the media of followed accounts too
    /// popular to fan out. `CachedFeed` reads through this, and `completeFeed` finishes the page.
    func feedEntries(of viewer: UserID, page: MediaPageRequest, mergingAccounts: Bool) async throws -> [MediaStamp] {
        let bounds = Self.idBounds(page, column: "f.media_id")
        // On PostgreSQL `stampRows` finds the viewer's likes for the whole page at once.
        let like = Self.viewerLike(database.engine == .postgres ? nil : viewer)
        let mergedBounds = Self.idBounds(page, column: "m.id")
        // UNION drops what was fanned out before an account crossed the line.
        let merged: SQL =
            mergingAccounts
            ? """
            UNION
            SELECT m.id, m.version, \(like.liked)
              FROM media m \(like.join)
             WHERE m.user_id IN (SELECT u.id FROM users u WHERE u.followed_by_count > \(HomeFeed.readTimeMergeThreshold) AND
                 \(Visibility.present("u"))
                                    AND EXISTS (SELECT 1 FROM follows mf WHERE mf.follower_id = \(viewer) AND mf.followee_id = u.id))
               AND m.id > (SELECT feed_floor FROM users WHERE id = \(viewer)) \(mergedBounds)
            """ : ""
        // The page's entries with their stamps in one lookup: this is the hottest query Darkroom runs.
        return try await Self.stampRows(
            database,
            likedBy: viewer,
            """
            SELECT f.media_id, m.version, \(like.liked)
              FROM feed_entries f JOIN media m \(versionsOnly) ON m.id = f.media_id \(like.join)
             WHERE f.user_id = \(viewer) AND f.media_id > (SELECT feed_floor FROM users WHERE id = \(viewer)) \(bounds)
            \(merged)
             ORDER BY 1 DESC LIMIT \(page.count + 1)
            """
        )
    }

    /// `feedEntries` without versions (PostgreSQL, no merged accounts), for a caller that knows them
    /// (`KnownMediaVersions`): the page's media ids, newest first, and those among them the viewer likes. Joining
    /// `media` for the versions was about 40% of PostgreSQL's work for the feed.
    func feedEntryIDs(of viewer: UserID, page: MediaPageRequest) async throws -> (ids: [MediaID], liked: Set<Int64>) {
        let bounds = Self.idBounds(page, column: "f.media_id")
        let (ids, liked) = try await Self.folded(
            database,
            likedBy: viewer,
            """
            SELECT f.media_id FROM feed_entries f
             WHERE f.user_id = \(viewer) AND f.media_id > (SELECT feed_floor FROM users WHERE id = \(viewer)) \(bounds)
             ORDER BY 1 DESC LIMIT \(page.count + 1)
            """,
            as: "id",
            each: "id::text"
        )
        return (ids.map { MediaID($0) }, liked)
    }

    /// The versions of those of `ids` that exist.
    func versions(of ids: [MediaID]) async throws -> [(id: MediaID, version: Int64)] {
        try await database.lookup("SELECT id, version FROM media WHERE id IN (\(list: ids))").decode {
            (id: try $0.id(MediaID.self), version: try $0.int())
        }
    }

    /// Finishes a home feed page from its materialized entries' `stamps`: what the page needs from below the viewer's
    /// feed floor is read from the followed accounts directly, then the page is cut and its cursor set.
    func completeFeed(_ stamps: [MediaStamp], of viewer: UserID, page: MediaPageRequest) async throws -> Paged<MediaStamp> {
        var stamps = stamps
        if stamps.count <= page.count, page.count > 0,
            let floor = try await database.lookup("SELECT feed_floor FROM users WHERE id = \(viewer)").scalarInt(), floor > 0,
            (page.exclusiveLowerID ?? 0) < floor
        {
            var older = page
            older.maxID = min(floor + 1, page.exclusiveUpperID ?? Int64.max)
            older.maxTimestamp = nil
            older.count = page.count + 1 - stamps.count
            stamps += try await self.stamps(followedMedia(of: viewer, page: older), viewer: viewer)
        }
        let next = page.count > 0 && stamps.count > page.count ? stamps[page.count - 1].id.description : nil
        return Paged(items: Array(stamps.prefix(page.count)), nextCursor: next)
    }

    /// Runs a statement selecting (media id, version, liked), ordered by id descending, and answers its rows as stamps.
    /// On PostgreSQL the statement's own `liked` is ignored and the rows come back `folded`.
    static func stampRows(_ database: any Database, likedBy viewer: UserID, _ rows: SQL) async throws -> [MediaStamp] {
        guard database.engine == .postgres else {
            return try await database.lookup(rows).decode {
                MediaStamp(id: try $0.id(), version: try $0.int(), viewerHasLiked: try $0.bool())
            }
        }
        let (pairs, liked) = try await folded(database, likedBy: viewer, rows, as: "id, version, unused", each: "id || ' ' || version")
        guard pairs.count % 2 == 0 else { throw DatabaseError.columnMismatch("a folded feed page has \(pairs.count) integers") }
        return stride(from: 0, to: pairs.count, by: 2)
            .map { MediaStamp(id: MediaID(pairs[$0]), version: pairs[$0 + 1], viewerHasLiked: liked.contains(pairs[$0])) }
            .sorted { $0.id.rawValue > $1.id.rawValue }
    }

    /// Runs `rows` (its columns named `columns`, `id` among them) with PostgreSQL folding the page into one text value
    /// (`each` row's text, separated by commas) and the ids among it the viewer likes into another (one index scan for
    /// the page's ids instead of a probe per media). PostgresNIO hands a result over one row per `await`, and on the
    /// 2-core machine a 21-row page cost the client 300 µs of CPU against 100 µs for one row, the largest share of a
    /// feed request. Neither aggregate sorts (a sort inside `string_agg` cost PostgreSQL 18 µs a call); callers put the
    /// page in order.
    private static func folded(
        _ database: any Database,
        likedBy viewer: UserID,
        _ rows: SQL,
        as columns: String,
        each: String
    ) async throws -> (page: [Int64], liked: Set<Int64>) {
        let folded = try await database.lookup(
            """
            WITH page(\(raw: columns)) AS MATERIALIZED (\(rows))
            SELECT string_agg(\(raw: each), ','),
                   (SELECT string_agg(vl.media_id::text, ',') FROM likes vl
                     WHERE vl.user_id = \(viewer) AND vl.media_id = ANY(ARRAY(SELECT id FROM page)))
              FROM page
            """
        ).decodeFirst { (page: try $0.optionalString(), liked: try $0.optionalString()) }
        guard let page = folded?.page else { return ([], []) }
        return (try Self.integers(in: page), Set(try folded?.liked.map(Self.integers(in:)) ?? []))
    }

    /// The non-negative integers of `text`, separated by single spaces or commas. Read byte by byte: splitting the
    /// bytes then parsing each field cost 156 µs of client CPU per feed call against 136 µs for this loop.
    private static func integers(in text: String) throws -> [Int64] {
        var integers: [Int64] = []
        integers.reserveCapacity(48)
        var value: Int64 = 0
        var digits = 0
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let (shifted, overflow) = value.multipliedReportingOverflow(by: 10)
                guard !overflow, shifted <= Int64.max - Int64(byte - UInt8(ascii: "0")) else {
                    throw DatabaseError.columnMismatch("an integer overflows in \(text)")
                }
                value = shifted + Int64(byte - UInt8(ascii: "0"))
                digits += 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: ","), digits > 0 {
                integers.append(value)
                (value, digits) = (0, 0)
            } else {
                throw DatabaseError.columnMismatch("expected integers in \(text)")
            }
        }
        guard digits > 0 else { throw DatabaseError.columnMismatch("expected integers in \(text)") }
        integers.append(value)
        return integers
    }

    /// Media of the accounts `viewer` follows and its own, newest first, read from each account's media.
    ///
    /// Each followed account's media is an index range and the page takes the newest across all of them. Reading whole
    /// ranges would cost as much as the followed accounts ever posted, so the query first looks back a short window
    /// before the page's upper bound and widens it only when the window holds too few media. Any window that fills the
    /// page gives exactly the page an unbounded query would.
    func followedMedia(of viewer: UserID, page: MediaPageRequest) async throws -> [MediaID] {
        let upperMilliseconds = page.exclusiveUpperID.map(IDGenerator.milliseconds(of:)) ?? environment.nowMilliseconds()
        var window: Int64 = 2 * 86_400_000
        while true {
            var bounded = page
            let windowStart = upperMilliseconds - window
            let windowLowerID = IDGenerator.lowerBound(unixSeconds: windowStart / 1000) - 1
            // Past the start of all ids, or below the client's own lower bound, a window limits nothing.
            let unbounded = windowStart <= IDGenerator.epochMilliseconds || (page.exclusiveLowerID ?? Int64.min) >= windowLowerID
            if !unbounded {
                bounded.minID = windowLowerID
                bounded.minTimestamp = nil
            }
            let followed = Self.idBounds(bounded, column: "m.id")
            let own = Self.idBounds(bounded, column: "id")
            let ids = try await database.query(
                """
                SELECT m.id FROM follows f JOIN users u ON u.id = f.followee_id JOIN media m ON m.user_id = f.followee_id
                 WHERE f.follower_id = \(viewer) AND \(Visibility.present("u")) \(followed)
                UNION ALL
                SELECT id FROM media WHERE user_id = \(viewer) \(own)
                ORDER BY 1 DESC LIMIT \(page.count)
                """
            ).decode { try $0.id(MediaID.self) }
            if ids.count >= page.count || unbounded || page.count == 0 { return ids }
            window *= 8
        }
    }

    /// Media the viewer liked, most recently liked first, paged by the like's id.
    /// Media the viewer may no longer see (an unfollowed private account, a block) is left out.
    public func liked(by viewer: UserID, count: Int, maxLikeID: Int64?) async throws -> Paged<MediaStamp> {
        let bound: SQL = maxLikeID.map { "AND l.id < \($0)" } ?? ""
        let rows = try await database.query(
            """
            SELECT l.id, l.media_id FROM likes l
              JOIN media m ON m.id = l.media_id JOIN users u ON u.id = m.user_id
             WHERE l.user_id = \(viewer) \(bound) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))
             ORDER BY l.id DESC LIMIT \(count + 1)
            """
        ).decode { (likeID: try $0.int(), media: try $0.id(MediaID.self)) }
        let page = rows.prefix(count)
        let media = try await stamps(page.map(\.media), viewer: viewer)
        let next = rows.count > count ? page.last.map { String($0.likeID) } : nil
        return Paged(items: media, nextCursor: next)
    }

    /// Of `ids`, those the viewer may see.
    public func visible(_ ids: [MediaID], to viewer: UserID?) async throws -> [MediaID] {
        guard !ids.isEmpty else { return [] }
        return try await database.query(
            """
            SELECT m.id FROM media m JOIN users u ON u.id = m.user_id
             WHERE m.id IN (\(list: ids)) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))
            """
        ).decode { try $0.id(MediaID.self) }
    }

    /// Checks `MediaPolicy` for an action by `actor` on a media, and answers its owner. `DomainError.notFound(.media)`
    /// if there is no such media; the policy's refusal otherwise.
    @discardableResult
    public func authorize(_ action: MediaPolicy.Action, _ id: MediaID, actor: UserID?) async throws -> UserID {
        try await Self.authorize(action, id, actor: actor, in: database, lock: nil)
    }

    /// How a write's transaction holds the media it hangs from, on PostgreSQL (SQLite has one writer at a time, so its
    /// transactions never interleave): `adding` for what adds to a media (a like, a comment) — a key-share lock, which
    /// only a delete waits on, so a racing delete waits for the write or wins before it looks — and `deleting` for the
    /// delete itself. Writes on one media do not wait on each other until their count update, which each makes last, so
    /// the row is held for one round trip before the commit instead of the whole transaction.
    enum RowLock {
        case adding, deleting

        func clause(_ engine: SQLEngine) -> String {
            guard engine == .postgres else { return "" }
            return self == .adding ? " FOR KEY SHARE OF m" : " FOR UPDATE OF m"
        }
    }

    /// `authorize` within a write's transaction, holding the media row (`lock`) until it commits: the check and the
    /// write see the same media, and a delete cannot slip between them.
    @discardableResult
    static func authorize(
        _ action: MediaPolicy.Action?,
        _ id: MediaID,
        actor: UserID?,
        in executor: any SQLExecutor,
        lock: RowLock?,
        engine: SQLEngine = .sqlite
    ) async throws -> UserID {
        let row = try await executor.lookup(
            """
            SELECT m.user_id, CASE WHEN \(Visibility.mediaOf(owner: "u", viewer: actor)) THEN 1 ELSE 0 END
              FROM media m JOIN users u ON u.id = m.user_id WHERE m.id = \(id)\(raw: lock?.clause(engine) ?? "")
            """
        ).decodeFirst { (owner: try $0.id(UserID.self), visible: try $0.bool()) }
        guard let row else { throw DomainError.notFound(.media) }
        if let action { try MediaPolicy.check(action, actor: actor, owner: row.owner, actorCanSee: row.visible) }
        return row.owner
    }

    /// Whether the media stored under a file key belongs to a private account; nil when no media names the key
    /// (a profile picture, or files a crash left).
    public func filesArePrivate(_ key: String) async throws -> Bool? {
        try await database.lookup(
            """
            SELECT u.is_private FROM media m JOIN users u ON u.id = m.user_id WHERE m.image_key = \(key)
            UNION ALL
            SELECT u.is_private FROM media_items i JOIN media m ON m.id = i.media_id JOIN users u ON u.id = m.user_id
             WHERE i.image_key = \(key)
             LIMIT 1
            """
        ).decodeFirst { try $0.bool() }
    }

    /// Who posted a media, whoever asks (an operator's command); nil when there is no such media.
    public func owner(of id: MediaID) async throws -> UserID? {
        try await database.query("SELECT user_id FROM media WHERE id = \(id)").decodeFirst { try $0.id(UserID.self) }
    }

    /// The key of a photo's original (`position` 0 is the post's first photo), for its owner alone (`MediaPolicy`);
    /// nil when it has none (posted before originals were kept) or the post has no such photo.
    public func original(of id: MediaID, position: Int, actor: UserID) async throws -> String? {
        try await authorize(.downloadOriginal, id, actor: actor)
        let query: SQL =
            position == 0
            ? "SELECT original_key FROM media WHERE id = \(id)"
            : "SELECT original_key FROM media_items WHERE media_id = \(id) AND position = \(Int64(position))"
        return try await database.query(query).decodeFirst { try $0.optionalString() } ?? nil
    }

    /// A single media, or nil if it does not exist. (Whether the viewer may see it is the caller's to check.)
    public func find(_ id: MediaID, viewer: UserID?) async throws -> Media? {
        try await hydrate([id], viewer: viewer).first
    }

    /// The version of each media and whether the viewer likes it, in the order given; one query of key lookups.
    public func stamps(_ ids: [MediaID], viewer: UserID?) async throws -> [MediaStamp] {
        guard !ids.isEmpty else { return [] }
        let like = Self.viewerLike(viewer)
        let rows = try await database.lookup(
            """
            SELECT m.id, m.version, \(like.liked) FROM media m \(versionsOnly) \(like.join) WHERE m.id IN (\(list: ids))
            """
        )
        var byID: [MediaID: MediaStamp] = [:]
        for stamp in try rows.decode({ row in
            let stamp = MediaStamp(id: try row.id(), version: try row.int(), viewerHasLiked: try row.bool())
            return viewer == nil ? MediaStamp(id: stamp.id, version: stamp.version, viewerHasLiked: nil) : stamp
        }) {
            byID[stamp.id] = stamp
        }
        return ids.compactMap { byID[$0] }
    }

    /// For a statement that reads only the ids and versions of media `m`: SQLite's planner looks rows up by their key even
    /// when an index covers the statement, so it is told to use the compact one (PostgreSQL's finds it by itself).
    private var versionsOnly: SQL {
        database.engine == .sqlite ? "INDEXED BY media_versions" : ""
    }

    /// Whether the viewer likes the media aliased `m`: `join` goes after the FROM list, `liked` in the select list
    /// (false without a viewer). The join finds at most one row, as a user likes a media once, and keeps one cursor on
    /// the viewer's likes for the whole statement where a subquery per media would reopen it.
    static func viewerLike(_ viewer: UserID?) -> (join: SQL, liked: SQL) {
        guard let viewer else { return ("", "0") }
        return ("LEFT JOIN likes vl ON vl.user_id = \(viewer) AND vl.media_id = m.id", "(vl.media_id IS NOT NULL)")
    }

    private func paged(_ ids: [MediaID], count: Int, viewer: UserID?) async throws -> Paged<MediaStamp> {
        let page = Array(ids.prefix(count))
        let media = try await stamps(page, viewer: viewer)
        let next = ids.count > count ? page.last.map { String($0.rawValue) } : nil
        return Paged(items: media, nextCursor: next)
    }

    /// The media `user` is tagged in that `viewer` may see, newest first: a page of ids, and whether more follow.
    public func taggedIn(_ user: UserID, viewer: UserID?, page: MediaPageRequest) async throws -> (media: [MediaID], more: Bool) {
        let rows = try await database.query(
            """
            SELECT m.id FROM media_users_in_photo p JOIN media m ON m.id = p.media_id JOIN users owner ON owner.id = m.user_id
             WHERE p.user_id = \(user) \(Self.idBounds(page, column: "m.id")) AND \(Visibility.mediaOf(owner: "owner", viewer: viewer))
             ORDER BY m.id DESC LIMIT \(page.count + 1)
            """
        ).decode { try $0.id(MediaID.self) }
        return (Array(rows.prefix(page.count)), rows.count > page.count)
    }

    public static func idBounds(_ page: MediaPageRequest, column: String) -> SQL {
        var sql: SQL = ""
        if let upper = page.exclusiveUpperID { sql = "\(sql) AND \(raw: column) < \(upper)" }
        if let lower = page.exclusiveLowerID { sql = "\(sql) AND \(raw: column) > \(lower)" }
        return sql
    }
}
