import DarkroomCore

/// What there is to discover: popular recent media (`/explore/` and the API's `/media/popular` rank the same way),
/// the tags used most lately, people to follow, and the newest public photos a visitor is shown. Each list holds only
/// what the viewer may see (`Visibility`).
public struct ExploreStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// Media is ranked over the last two days, or over the last week when two days hold less than a page: a quiet
    /// server still has something to show.
    public static let recentWindow: Int64 = 2 * 86_400
    public static let quietWindow: Int64 = 7 * 86_400
    /// How many of the viewer's follows friends-of-friends suggestions are drawn from (the most recent ones), which
    /// bounds the query on accounts that follow thousands.
    static let suggestionSources = 50

    /// A page of popular media: engagement (likes, and comments counted twice) over (age in hours + 2)², newest first
    /// among equals. The first page (`after` nil) ranks as of now and picks the window; the cursor keeps both.
    public func popular(count: Int, after cursor: PopularCursor?, viewer: UserID?) async throws -> Paged<MediaID> {
        if let cursor { return try await ranked(count: count, asOf: cursor.asOf, window: cursor.window, after: cursor, viewer: viewer) }
        let now = environment.nowSeconds
        let recent = try await ranked(count: count, asOf: now, window: Self.recentWindow, after: nil, viewer: viewer)
        guard recent.items.count < count, recent.nextCursor == nil else { return recent }
        return try await ranked(count: count, asOf: now, window: Self.quietWindow, after: nil, viewer: viewer)
    }

    private func ranked(count: Int, asOf: Int64, window: Int64, after cursor: PopularCursor?, viewer: UserID?) async throws -> Paged<MediaID> {
        let since = IDGenerator.lowerBound(unixSeconds: asOf - window)
        // An integer score, so that a cursor's bound compares exactly on both engines; the scale keeps one like at a
        // week's age (about 35) apart from none.
        let age = "((\(asOf) - m.created_at) / 3600.0 + 2)"
        let after: SQL = cursor.map { "WHERE r.score < \($0.score) OR (r.score = \($0.score) AND r.id < \($0.id))" } ?? ""
        let rows = try await database.query(
            """
            SELECT r.id, r.score FROM (
                SELECT m.id AS id, CAST((m.like_count + 2 * m.comment_count) * 1000000.0 / (\(raw: age) * \(raw: age)) AS BIGINT) AS score
                  FROM media m JOIN users u ON u.id = m.user_id
                 WHERE m.id >= \(since) AND m.created_at <= \(asOf) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))
            ) r \(after)
            ORDER BY r.score DESC, r.id DESC LIMIT \(count + 1)
            """
        ).decode { (id: try $0.id(MediaID.self), score: try $0.int()) }
        let page = rows.prefix(count)
        let next = rows.count > count ? page.last.map { PopularCursor(asOf: asOf, window: window, score: $0.score, id: $0.id).description } : nil
        return Paged(items: page.map(\.id), nextCursor: next)
    }

    /// The tags on the most media the viewer may see posted within `window` seconds, most used first.
    public func trendingTags(count: Int, window: Int64 = quietWindow, viewer: UserID?) async throws -> [TrendingTag] {
        let since = IDGenerator.lowerBound(unixSeconds: environment.nowSeconds - window)
        return try await database.query(
            """
            SELECT t.tag_name, count(*) AS uses FROM media m JOIN users u ON u.id = m.user_id JOIN media_tags t ON t.media_id = m.id
             WHERE m.id >= \(since) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))
             GROUP BY t.tag_name ORDER BY uses DESC, t.tag_name LIMIT \(count)
            """
        ).decode { TrendingTag(name: try $0.string(), uses: try $0.int()) }
    }

    /// People to follow: for a signed-in person, accounts followed by the people they follow, the most shared first,
    /// then the most followed accounts that have posted; for a visitor, the most followed public accounts. Never the
    /// viewer, anyone they follow or asked to follow, nor anyone a block stands between.
    public func suggestedPeople(for viewer: UserID?, count: Int) async throws -> [SuggestedPerson] {
        var people: [SuggestedPerson] = []
        if let viewer {
            // The most shared candidates are found from the follows alone, and only they are joined to their accounts
            // and checked for blocks and requests: joining every candidate first cost twice as much.
            people = try await database.query(
                """
                SELECT \(raw: Columns.userSummary), s.mutual FROM (
                    SELECT f2.followee_id AS id, count(*) AS mutual
                      FROM (SELECT followee_id FROM follows WHERE follower_id = \(viewer) ORDER BY id DESC LIMIT \(Self.suggestionSources)) f1
                      JOIN follows f2 ON f2.follower_id = f1.followee_id
                     WHERE f2.followee_id <> \(viewer)
                       AND NOT EXISTS (SELECT 1 FROM follows x WHERE x.follower_id = \(viewer) AND x.followee_id = f2.followee_id)
                     GROUP BY f2.followee_id ORDER BY mutual DESC, f2.followee_id LIMIT \(count * 10)
                ) s JOIN users u ON u.id = s.id
                 WHERE \(notYetFollowed(by: viewer))
                 ORDER BY s.mutual DESC, u.followed_by_count DESC, u.id LIMIT \(count)
                """
            ).decode(Self.person)
        }
        guard people.count < count else { return people }
        let visitorsSeePublicOnly: SQL = viewer == nil ? "AND u.is_private = 0" : ""
        let popular = try await database.query(
            """
            SELECT \(raw: Columns.userSummary), 0 FROM users u
             WHERE u.media_count > 0 \(visitorsSeePublicOnly) AND \(viewer.map(notYetFollowed) ?? Visibility.present("u"))
             ORDER BY u.followed_by_count DESC, u.id LIMIT \(count)
            """
        ).decode(Self.person)
        let shown = Set(people.map(\.person.id))
        people += popular.filter { !shown.contains($0.person.id) }.prefix(count - people.count)
        return people
    }

    private func notYetFollowed(by viewer: UserID) -> SQL {
        """
        u.id <> \(viewer) AND \(Visibility.notBlocked(user: "u", viewer: viewer))
          AND NOT EXISTS (SELECT 1 FROM follows x WHERE x.follower_id = \(viewer) AND x.followee_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM follow_requests x WHERE x.requester_id = \(viewer) AND x.target_id = u.id)
        """
    }

    private static func person(_ row: inout Row) throws -> SuggestedPerson {
        SuggestedPerson(person: try Columns.userSummary(&row), followedByYourFollows: Int(try row.int()))
    }

    /// The newest photos of public accounts, for the page a visitor lands on.
    public func recentPublic(count: Int) async throws -> [MediaID] {
        try await database.query(
            """
            SELECT m.id FROM media m JOIN users u ON u.id = m.user_id
             WHERE \(Visibility.mediaOf(owner: "u", viewer: nil)) ORDER BY m.id DESC LIMIT \(count)
            """
        ).decode { try $0.id(MediaID.self) }
    }
}
