import DarkroomCore

/// The column lists the stores select, each beside the decoder that reads it, so each shape is decoded in one place.
enum Columns {
    static let user =
        """
        u.id, u.username, u.full_name, u.profile_picture, u.bio, u.website, u.is_private, u.created_at, u.media_count, u.follows_count, \
        u.followed_by_count, u.shows_camera, u.moved_to
        """

    static func user(_ row: inout Row) throws -> User {
        User(
            summary: try userSummary(&row),
            bio: try row.string(),
            website: try row.string(),
            isPrivate: try row.bool(),
            createdAt: try row.int(),
            counts: UserCounts(media: try row.int(), follows: try row.int(), followedBy: try row.int()),
            showsCamera: try row.bool(),
            movedTo: try row.optionalString()
        )
    }

    static let userSummary = "u.id, u.username, u.full_name, u.profile_picture"

    static func userSummary(_ row: inout Row) throws -> UserSummary {
        UserSummary(id: try row.id(), username: try row.string(), fullName: try row.string(), profilePicture: try row.optionalString())
    }
}
