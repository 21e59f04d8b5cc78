import DarkroomCore

/// Follows, follow requests and blocks between users, with the follow counts kept exact.
public struct RelationshipStore: Sendable {
    let database: any Database
    let environment: SystemEnvironment

    /// Whether `viewer` may see the media of `owner`, by the one visibility rule.
    public func canViewMedia(of owner: UserID, viewer: UserID?) async throws -> Bool {
        try await !database.query("SELECT 1 FROM users u WHERE u.id = \(owner) AND \(Visibility.mediaOf(owner: "u", viewer: viewer))").isEmpty
    }

    /// Makes `follower` follow `followee` (an approved follow); doing it twice changes nothing.
    public func follow(_ follower: UserID, _ followee: UserID) async throws {
        let id = environment.ids.next()
        try await database.transaction { tx in
            let inserted = try await tx.query("""
                INSERT INTO follows (follower_id, followee_id, id, created_at) VALUES (\(follower), \(followee), \(id), \(environment.nowSeconds))
                ON CONFLICT DO NOTHING RETURNING id
                """)
            guard !inserted.isEmpty else { return }
            try await tx.execute("UPDATE users SET follows_count = follows_count + 1 WHERE id = \(follower)")
            try await tx.execute("UPDATE users SET followed_by_count = followed_by_count + 1 WHERE id = \(followee)")
            try await HomeFeed.backfill(follower, from: followee, in: tx)
        }
    }

    public func unfollow(_ follower: UserID, _ followee: UserID) async throws {
        try await database.transaction { tx in
            let deleted = try await tx.query(
                "DELETE FROM follows WHERE follower_id = \(follower) AND followee_id = \(followee) RETURNING id")
            guard !deleted.isEmpty else { return }
            try await tx.execute("UPDATE users SET follows_count = follows_count - 1 WHERE id = \(follower)")
            try await tx.execute("UPDATE users SET followed_by_count = followed_by_count - 1 WHERE id = \(followee)")
            try await HomeFeed.remove(author: followee, from: follower, in: tx)
        }
    }
}
