import DarkroomCore

/// The rule the rendering caches rest on: a media's rendered JSON is fixed by its `version`, so every write that
/// changes what a media shows — its counts, caption, tags, likers and comments, and the names and pictures of the
/// people in it — moves the version in the same transaction, through these. `MediaVersionInvariantTests` enumerates
/// the statements that write such tables and checks each operation that runs them.
enum MediaVersion {
    /// The assignment every update of a media row that changes what it shows carries.
    static let moves: SQL = "version = version + 1"

    /// Moves the version of every media that shows the user — theirs, and those they liked, commented on or are
    /// tagged in — so no cached rendering keeps their old name or picture.
    static func moveAllShowing(_ user: UserID, in tx: any SQLExecutor) async throws {
        try await tx.execute(
            """
            UPDATE media SET \(moves)
             WHERE user_id = \(user)
                OR id IN (SELECT media_id FROM likes WHERE user_id = \(user))
                OR id IN (SELECT media_id FROM comments WHERE user_id = \(user))
                OR id IN (SELECT media_id FROM media_users_in_photo WHERE user_id = \(user))
            """
        )
    }
}
