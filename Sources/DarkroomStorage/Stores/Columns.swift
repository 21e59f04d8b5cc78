import DarkroomCore

/// The column lists the stores select, with the matching row readers, so each shape is decoded in one place.
enum Columns {
    static let user = "u.id, u.username, u.full_name, u.profile_picture, u.bio, u.website, u.is_private, u.created_at, u.media_count, u.follows_count, u.followed_by_count"

    static func user(_ row: Row, at start: Int = 0) -> User {
        User(
            summary: userSummary(row, at: start),
            bio: row.string(start + 4), website: row.string(start + 5), isPrivate: row.bool(start + 6),
            createdAt: row.int(start + 7),
            counts: UserCounts(media: row.int(start + 8), follows: row.int(start + 9), followedBy: row.int(start + 10)))
    }

    static let userSummary = "u.id, u.username, u.full_name, u.profile_picture"

    static func userSummary(_ row: Row, at start: Int = 0) -> UserSummary {
        UserSummary(id: row.id(start), username: row.string(start + 1), fullName: row.string(start + 2), profilePicture: row.optionalString(start + 3))
    }
}
