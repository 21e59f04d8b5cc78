import DarkroomCore

/// The one rule for who sees whom. Media: everyone for a public account; for a private one, its owner and approved
/// followers. Blocks hide two users from each other both ways, in every list. A suspended account is seen by no one,
/// nor is anything of it. Every query that returns users or media applies these fragments.
public enum Visibility {
    /// A condition on the users row aliased `owner` (its `id` and `is_private`) that holds when `viewer` may see its media.
    public static func mediaOf(owner alias: String, viewer: UserID?) -> SQL {
        guard let viewer else { return "(\(raw: alias).is_private = 0 AND \(present(alias)))" }
        return """
            ((\(raw: alias).is_private = 0 OR \(raw: alias).id = \(viewer)
              OR EXISTS (SELECT 1 FROM follows vf WHERE vf.follower_id = \(viewer) AND vf.followee_id = \(raw: alias).id))
             AND \(notBlocked(user: alias, viewer: viewer)))
            """
    }

    /// A condition on the users row aliased `user`: it is not suspended, and neither it nor `viewer` blocks the other.
    public static func notBlocked(user alias: String, viewer: UserID?) -> SQL {
        guard let viewer else { return present(alias) }
        return """
            \(present(alias)) AND NOT EXISTS (SELECT 1 FROM blocks nb
                WHERE (nb.blocker_id = \(raw: alias).id AND nb.blocked_id = \(viewer)) OR (nb.blocker_id = \(viewer) AND nb.blocked_id =
                    \(raw: alias).id))
            """
    }

    /// A condition on the users row aliased `user`: the account is not suspended.
    public static func present(_ alias: String) -> SQL {
        "\(raw: alias).suspended_at IS NULL"
    }
}
