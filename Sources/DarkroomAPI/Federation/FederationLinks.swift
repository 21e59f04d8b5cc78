import DarkroomCore

/// The ActivityPub ids of this server's actors, objects and collections. An actor's id is its profile's URL (the same
/// address answers a browser with the page and a server with the actor document); the rest live under `/ap/`.
struct FederationLinks: Sendable {
    let publicURL: String

    var host: String { CallbackURL.host(of: publicURL) }

    func actor(_ username: String) -> String { publicURL + "/" + username }
    func key(_ username: String) -> String { actor(username) + "#main-key" }
    func inbox(_ username: String) -> String { publicURL + "/ap/users/" + username + "/inbox" }
    func outbox(_ username: String) -> String { publicURL + "/ap/users/" + username + "/outbox" }
    func followers(_ username: String) -> String { publicURL + "/ap/users/" + username + "/followers" }
    func following(_ username: String) -> String { publicURL + "/ap/users/" + username + "/following" }
    var sharedInbox: String { publicURL + "/ap/inbox" }
    /// The server's own actor, which signs fetches.
    var instanceActor: String { publicURL + "/ap/actor" }
    var instanceKey: String { instanceActor + "#main-key" }

    func note(_ media: MediaID) -> String { publicURL + "/ap/media/\(media.rawValue)" }
    func comment(_ id: Int64) -> String { publicURL + "/ap/comments/\(id)" }
    func activity(_ token: String) -> String { publicURL + "/ap/activities/" + token }

    /// The local media a note id of ours names.
    func media(fromNote uri: String) -> MediaID? {
        let prefix = publicURL + "/ap/media/"
        guard uri.hasPrefix(prefix), let id = Int64(uri.dropFirst(prefix.count)) else { return nil }
        return MediaID(id)
    }

    /// The local username an actor id of ours names.
    func username(fromActor uri: String) -> String? {
        let prefix = publicURL + "/"
        guard uri.hasPrefix(prefix) else { return nil }
        let name = uri.dropFirst(prefix.count)
        guard !name.isEmpty, !name.contains("/"), !name.contains("#") else { return nil }
        return String(name)
    }
}
