import DarkroomCore

/// Deletes an account and everything of it: its photos (with the likes, comments, tags and people tagged on them),
/// its likes, comments and tags of it in others' photos, its follows both ways, requests and blocks, its tokens,
/// sessions and codes, the clients it registered (with every token and code issued to them), its reports and the
/// reports about it, its data archives, and its files. Every count it touched — others' like, comment and
/// people-in-photo counts, follower counts, tag counts — is corrected in the same transaction as the rows, so no
/// reader ever sees a count that disagrees with its rows.
///
/// What stays: places it created (others' photos may be there; the maker is forgotten) and the moderation log, which
/// is the operators' record and keeps only the bare account id of what was done (its username went with the account).
public struct DeleteAccount: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let changes: StoreChanges
    let moderation: ModerationStore
    let files: MediaFiles
    let exports: DataExports
    let jobs: JobQueue

    /// What a deletion removed, for the operator's command and the log.
    public struct Summary: Sendable, Encodable {
        public var media = 0
        public var likes = 0
        public var comments = 0
        public var follows = 0
        public var clients = 0
        public var files = 0
    }

    /// Deletes the account; nil when there is no such account. `actor` is recorded in the moderation log.
    public func callAsFunction(_ user: UserID, actor: String) async throws -> Summary? {
        let removed = try await database.transaction { tx -> (Summary, [String], [String])? in
            guard
                let account = try await tx.query("SELECT username_lc, profile_picture FROM users WHERE id = \(user)")
                    .decodeFirst({ (name: try $0.string(), picture: try $0.optionalString()) })
            else { return nil }
            var summary = Summary()
            if let gone = try await FederateJob.deleteActor(user, in: tx) { try await jobs.enqueue(gone, in: tx) }
            var keys = try await tx.query("SELECT image_key FROM media WHERE user_id = \(user)").decode { try $0.string() }
            summary.media = keys.count
            keys += try await tx.query("SELECT i.image_key FROM media_items i JOIN media m ON m.id = i.media_id WHERE m.user_id = \(user)")
                .decode { try $0.string() }
            keys += [account.picture].compactMap { $0 }
            let archives = try await tx.query("SELECT file_name FROM data_exports WHERE user_id = \(user) AND file_name IS NOT NULL")
                .decode { try $0.string() }

            // What it did on others' photos, each count corrected with its rows.
            summary.likes = try await tx.query(
                """
                UPDATE media SET like_count = like_count - 1, \(MediaVersion.moves)
                 WHERE id IN (SELECT media_id FROM likes WHERE user_id = \(user)) AND user_id <> \(user) RETURNING id
                """
            ).count
            summary.comments = try await tx.query(
                """
                UPDATE media SET comment_count = comment_count - (SELECT count(*) FROM comments c WHERE c.media_id = media.id AND c.user_id =
                    \(user)),
                       \(MediaVersion.moves)
                 WHERE id IN (SELECT media_id FROM comments WHERE user_id = \(user)) AND user_id <> \(user) RETURNING id
                """
            ).count
            try await tx.execute(
                """
                UPDATE media SET users_in_photo_count = users_in_photo_count - 1, \(MediaVersion.moves)
                 WHERE id IN (SELECT media_id FROM media_users_in_photo WHERE user_id = \(user))
                """
            )

            // Its photos, with what others did on them and the tags they carried.
            var tagCounts: [String: (all: Int64, visible: Int64)] = [:]
            for (tags, isPublic) in try await tx.query(
                "SELECT m.tags, 1 - u.is_private FROM media m JOIN users u ON u.id = m.user_id WHERE m.user_id = \(user)"
            )
            .decode({ (try $0.string(), try $0.int()) }) {
                for tag in tags.split(separator: " ") {
                    let current = tagCounts[String(tag), default: (0, 0)]
                    tagCounts[String(tag)] = (current.all + 1, current.visible + isPublic)
                }
            }
            for (tag, counts) in tagCounts.sorted(by: { $0.key < $1.key }) {
                try await tx.execute(
                    """
                    UPDATE tags SET media_count = media_count - \(counts.all), public_media_count = public_media_count - \(counts.visible) WHERE name
                        = \(tag)
                    """
                )
            }
            try await HomeFeed.withdrawAll(of: user, in: tx)
            try await tx.execute("DELETE FROM feed_entries WHERE user_id = \(user)")

            // Its place among others: follows both ways (with the other side's count), requests, blocks.
            summary.follows = try await tx.query(
                """
                UPDATE users SET followed_by_count = followed_by_count - 1,
                       remote_followers = remote_followers - (SELECT count(*) FROM remote_actors WHERE user_id = \(user))
                 WHERE id IN (SELECT followee_id FROM follows WHERE follower_id = \(user)) RETURNING id
                """
            ).count
            summary.follows += try await tx.query(
                """
                UPDATE users SET follows_count = follows_count - 1
                 WHERE id IN (SELECT follower_id FROM follows WHERE followee_id = \(user)) RETURNING id
                """
            ).count

            // Its ways in, and the clients it registered with everything issued to them.
            let clients = try await tx.query("SELECT id FROM clients WHERE owner_id = \(user)").decode { try $0.int() }
            summary.clients = clients.count
            let tokens = try await tx.query(
                """
                SELECT id FROM access_tokens WHERE user_id = \(user) OR client_ref IN (SELECT id FROM clients WHERE owner_id = \(user))
                """
            ).decode { try $0.int() }
            for token in tokens {
                try await tx.execute("DELETE FROM rate_limit_counters WHERE bucket LIKE \("%token:\(token)")")
            }
            for client in clients {
                try await tx.execute("DELETE FROM rate_limit_counters WHERE bucket = \("client:\(client)")")
            }
            try await tx.execute("DELETE FROM rate_limit_counters WHERE bucket = \("login-failures-account:\(account.name)")")
            // The rest goes with the account (foreign keys): its media with everything on them, its likes, comments and
            // tags in others' photos, follows both ways, requests, blocks, tokens, codes, sessions, the
            // clients it registered with their tokens, codes, subscriptions and notifications, its reports and those
            // about it, its data archives' rows; the places it made forget their maker.
            try await tx.execute("DELETE FROM users WHERE id = \(user)")
            try await moderation.record("delete account", user: user, reason: "account deleted", actor: actor, in: tx)
            return (summary, keys, archives)
        }
        guard let (found, listed, archives) = removed else { return nil }
        var summary = found
        await changes.grantsChanged()
        let keys = Set(listed)
        for key in keys { await files.remove(key) }
        for archive in archives { exports.removeFile(archive) }
        summary.files = keys.count + archives.count
        return summary
    }
}
