import DarkroomCore

/// A tag: its name and how many media carry it.
public struct Tag: Sendable, Equatable {
    public var name: String
    public var mediaCount: Int64
}

/// Tags: counts, prefix search, and each tag's media in the order the tag was applied.
public struct TagStore: Sendable {
    let database: any Database

    public func find(_ name: String) async throws -> Tag {
        let count = try await database.lookup("SELECT media_count FROM tags WHERE name = \(name)").scalarInt() ?? 0
        return Tag(name: name, mediaCount: count)
    }

    /// Tags starting with `prefix`: an exact match first, then the most used.
    public func search(prefix: String, count: Int) async throws -> [Tag] {
        try await database.query("""
            SELECT name, media_count FROM tags WHERE name >= \(prefix) AND name < \(prefix + "\u{10FFFF}")
             ORDER BY CASE WHEN name = \(prefix) THEN 0 ELSE 1 END, media_count DESC, name LIMIT \(count)
            """).decode { Tag(name: try $0.string(), mediaCount: try $0.int()) }
    }

    /// Media with the tag, most recently tagged first, paged by the tagging's id; media the viewer may not see is left out.
    /// Answers the page and the cursor of its last item.
    public func recentMedia(_ name: String, count: Int, maxTagID: Int64?, minTagID: Int64?, viewer: UserID?)
        async throws -> (media: [MediaID], tagIDs: [Int64], more: Bool)
    {
        var bounds: SQL = ""
        if let maxTagID { bounds = "\(bounds) AND t.id < \(maxTagID)" }
        if let minTagID { bounds = "\(bounds) AND t.id > \(minTagID)" }
        let rows = try await database.query("""
            SELECT t.id, t.media_id FROM media_tags t JOIN media m ON m.id = t.media_id JOIN users u ON u.id = m.user_id
             WHERE t.tag_name = \(name) \(bounds) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))
             ORDER BY t.id DESC LIMIT \(count + 1)
            """).decode { (tagID: try $0.int(), media: try $0.id(MediaID.self)) }
        let page = rows.prefix(count)
        return (page.map(\.media), page.map(\.tagID), rows.count > count)
    }
}
