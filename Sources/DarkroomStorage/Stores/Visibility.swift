import DarkroomCore

/// The one rule for who sees a user's media: everyone for a public account; for a private one, its owner
/// and approved followers. Blocks hide both ways. Every media query applies it through this fragment.
public enum Visibility {
    /// A condition on the users row aliased `owner` (its `id` and `is_private`) that holds when `viewer` may see its media.
    public static func mediaOf(owner alias: String, viewer: UserID?) -> SQL {
        guard let viewer else { return "\(raw: alias).is_private = 0" }
        return """
            ((\(raw: alias).is_private = 0 OR \(raw: alias).id = \(viewer)
              OR EXISTS (SELECT 1 FROM follows vf WHERE vf.follower_id = \(viewer) AND vf.followee_id = \(raw: alias).id))
             AND NOT EXISTS (SELECT 1 FROM blocks vb
                  WHERE (vb.blocker_id = \(raw: alias).id AND vb.blocked_id = \(viewer))
                     OR (vb.blocker_id = \(viewer) AND vb.blocked_id = \(raw: alias).id)))
            """
    }
}
