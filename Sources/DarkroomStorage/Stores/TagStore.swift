import DarkroomCore

/// A tag: its name and how many media carry it.
public struct Tag: Sendable, Equatable {
    public var name: String
    public var mediaCount: Int64
}

/// Tags: counts, prefix search, and each tag's media in the order the tag was applied.
///
/// A tag is seen, and counted, only through media the viewer may see: hashtags a private account uses stay private.
/// Counts stay cheap because each tag keeps two: all its media (`media_count`) and those of public accounts
/// (`public_media_count`, moved with every tagging and deletion, and for all of an account's tags when it turns private
/// or public). A viewer's count is the public one, plus its own and its approved private accounts' media with the tag,
/// less public media of accounts it blocks or that block it: both read by walking the viewer's few follows and blocks,
/// never the tag's whole list (`counts`).
public struct TagStore: Sendable {
    let database: any Database

    /// The tag as the viewer sees it (0 for a tag it cannot see, as for an unused one).
    public func find(_ name: String, viewer: UserID?) async throws -> Tag {
        Tag(name: name, mediaCount: try await counts(of: [name], viewer: viewer)[name] ?? 0)
    }

    /// Tags starting with `prefix` that the viewer may see: an exact match first, then the most used.
    public func search(prefix: String, count: Int, viewer: UserID?) async throws -> [Tag] {
        let upper = prefix + "\u{10FFFF}"
        var names = try await database.query(
            """
            SELECT name FROM tags WHERE name >= \(prefix) AND name < \(upper) AND public_media_count > 0
             ORDER BY CASE WHEN name = \(prefix) THEN 0 ELSE 1 END, public_media_count DESC, name LIMIT \(count)
            """
        ).decode { try $0.string() }
        if let viewer {
            names += try await database.query(
                """
                SELECT DISTINCT t.tag_name FROM \(Self.privateAccountsSeen(by: viewer)) a JOIN media m ON m.user_id = a.id
                  JOIN media_tags t ON t.media_id = m.id WHERE t.tag_name >= \(prefix) AND t.tag_name < \(upper)
                 LIMIT \(count)
                """
            ).decode { try $0.string() }
        }
        let counts = try await counts(of: Array(Set(names)), viewer: viewer)
        var tags: [Tag] = counts.filter { $0.value > 0 }.map { Tag(name: $0.key, mediaCount: $0.value) }
        tags.sort { first, second in
            if (first.name == prefix) != (second.name == prefix) { return first.name == prefix }
            if first.mediaCount != second.mediaCount { return first.mediaCount > second.mediaCount }
            return first.name < second.name
        }
        return Array(tags.prefix(count))
    }

    /// How many media with each tag the viewer may see (see the type's note).
    func counts(of names: [String], viewer: UserID?) async throws -> [String: Int64] {
        guard !names.isEmpty else { return [:] }
        var counts: [String: Int64] = [:]
        for row in try await database.query("SELECT name, public_media_count FROM tags WHERE name IN (\(list: names))")
            .decode({ (name: try $0.string(), count: try $0.int()) })
        {
            counts[row.name] = row.count
        }
        guard let viewer else { return counts }
        let seen = try await database.query(
            """
            SELECT t.tag_name, count(*) FROM \(Self.privateAccountsSeen(by: viewer)) a JOIN media m ON m.user_id = a.id
              JOIN media_tags t ON t.media_id = m.id AND t.tag_name IN (\(list: names)) GROUP BY t.tag_name
            """
        ).decode { (name: try $0.string(), count: try $0.int()) }
        for row in seen { counts[row.name, default: 0] += row.count }
        let hidden = try await database.query(
            """
            SELECT t.tag_name, count(*) FROM (SELECT blocked_id AS id FROM blocks WHERE blocker_id = \(viewer)
                                               UNION SELECT blocker_id FROM blocks WHERE blocked_id = \(viewer)) b
              JOIN users u ON u.id = b.id AND u.is_private = 0 JOIN media m ON m.user_id = u.id
              JOIN media_tags t ON t.media_id = m.id AND t.tag_name IN (\(list: names)) GROUP BY t.tag_name
            """
        ).decode { (name: try $0.string(), count: try $0.int()) }
        for row in hidden { counts[row.name, default: 0] -= row.count }
        return counts
    }

    /// The private accounts whose media the viewer may see: its own (if private) and those it follows (a follow of a
    /// private account is an approved one; blocks end follows).
    static func privateAccountsSeen(by viewer: UserID) -> SQL {
        """
        (SELECT u.id FROM (SELECT \(viewer) AS id UNION SELECT followee_id FROM follows WHERE follower_id = \(viewer)) f
           JOIN users u ON u.id = f.id WHERE u.is_private = 1)
        """
    }

    /// An account turned private (or public): its media leave (or join) the public counts of their tags.
    static func moveAccount(_ user: UserID, toPublic: Bool, in tx: any SQLExecutor) async throws {
        let sign: Int64 = toPublic ? 1 : -1
        try await tx.execute(
            """
            UPDATE tags SET public_media_count = public_media_count + \(sign) * (
                SELECT count(*) FROM media_tags t JOIN media m ON m.id = t.media_id WHERE t.tag_name = tags.name AND m.user_id = \(user))
             WHERE name IN (SELECT t.tag_name FROM media_tags t JOIN media m ON m.id = t.media_id WHERE m.user_id = \(user))
            """
        )
    }

    /// Media with the tag, most recently tagged first, paged by the tagging's id; media the viewer may not see is left out.
    /// Answers the page and the cursor of its last item.
    public func recentMedia(
        _ name: String,
        count: Int,
        maxTagID: Int64?,
        minTagID: Int64?,
        viewer: UserID?
    )
        async throws -> (media: [MediaID], tagIDs: [Int64], more: Bool)
    {
        var bounds: SQL = ""
        if let maxTagID { bounds = "\(bounds) AND t.id < \(maxTagID)" }
        if let minTagID { bounds = "\(bounds) AND t.id > \(minTagID)" }
        let rows = try await database.query(
            """
            SELECT t.id, t.media_id FROM media_tags t JOIN media m ON m.id = t.media_id JOIN users u ON u.id = m.user_id
             WHERE t.tag_name = \(name) \(bounds) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))
             ORDER BY t.id DESC LIMIT \(count + 1)
            """
        ).decode { (tagID: try $0.int(), media: try $0.id(MediaID.self)) }
        let page = rows.prefix(count)
        return (page.map(\.media), page.map(\.tagID), rows.count > count)
    }
}
