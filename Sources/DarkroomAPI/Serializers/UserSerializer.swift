import DarkroomCore

/// The user object in its three shapes: full (with counts), mini (embedded elsewhere), and search result.
struct UserSerializer {
    let links: Links

    func full(_ user: User, into writer: inout JSONWriter) {
        writer.object { object in
            object.idPair("id", user.id.rawValue)
            object.pair("username", user.username)
            object.pair("full_name", user.summary.fullName)
            object.pair("profile_picture", links.profilePicture(user.summary.profilePicture))
            object.pair("bio", user.bio)
            object.pair("website", user.website)
            // Beyond v1, only for an account that moved: v1 clients read the object as before.
            if let movedTo = user.movedTo { object.pair("moved_to", movedTo) }
            object.key("counts")
            object.object { counts in
                counts.pair("media", user.counts.media)
                counts.pair("follows", user.counts.follows)
                counts.pair("followed_by", user.counts.followedBy)
            }
        }
    }

    func mini(_ user: UserSummary, into writer: inout JSONWriter) {
        writer.object { object in writeMiniFields(user, into: &object) }
    }

    /// The author of a comment or caption: the seed's examples add `"type": "user"` to the mini user.
    func author(_ user: UserSummary, into writer: inout JSONWriter) {
        writer.object { object in
            writeMiniFields(user, into: &object)
            object.pair("type", "user")
        }
    }

    /// Search results also carry `first_name` and `last_name`: the full name split at its first space.
    func searchResult(_ user: UserSummary, into writer: inout JSONWriter) {
        writer.object { object in
            writeMiniFields(user, into: &object)
            let parts = user.fullName.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            object.pair("first_name", parts.first.map(String.init) ?? "")
            object.pair("last_name", parts.count > 1 ? String(parts[1]) : "")
        }
    }

    private func writeMiniFields(_ user: UserSummary, into object: inout JSONWriter) {
        object.pair("username", user.username)
        object.pair("full_name", user.fullName)
        object.pair("profile_picture", links.profilePicture(user.profilePicture))
        object.idPair("id", user.id.rawValue)
    }
}
