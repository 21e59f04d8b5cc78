import DarkroomCore
import Synchronization

/// Something done here that other servers must be told of: written in the transaction of the change itself, only when
/// someone on another server is concerned (`whenRemote…`), so a server without federation never gets one. What runs
/// it renders the activity and queues its deliveries (`Federation`, in the API module, which knows the public URLs).
public struct FederateJob: BackgroundJob {
    public static let kind = "federate"
    public static let maximumAttempts: Int64 = 10

    public enum Event: Codable, Sendable, Equatable {
        /// A local person asked to follow a remote one.
        case follow(follower: Int64, followee: Int64)
        case undoFollow(follower: Int64, followee: Int64)
        /// A local person's follow by a remote one was granted (at once for a public account).
        case accept(follower: Int64, followee: Int64)
        /// …or turned down, or ended at the local person's word.
        case reject(follower: Int64, followee: Int64)
        case block(blocker: Int64, blocked: Int64)
        case create(media: Int64)
        case update(media: Int64)
        /// The media row is gone by then: who posted it is carried along.
        case delete(media: Int64, author: Int64)
        /// A local person liked (or stopped liking) a remote person's post.
        case like(media: Int64, user: Int64)
        case unlike(media: Int64, user: Int64)
        /// A local person commented on a remote person's post: a reply to its note.
        case reply(media: Int64, comment: Int64)
        /// Someone here reported a remote person or their post: the report goes to their server too, from this
        /// server (the reporter is not named).
        case flag(report: Int64)
        /// A local account was deleted or suspended: the servers of its followers elsewhere are told it is gone (their
        /// inboxes read before its follows went, its name carried since its row may be gone too).
        case deleteActor(user: Int64, username: String, inboxes: [String])
        /// A local account said where it moved: its followers' servers are told (a `Move`).
        case moved(user: Int64)
    }

    public var event: Event

    public init(_ event: Event) { self.event = event }

    /// The job telling the servers of `user`'s followers elsewhere that the account is gone; nil when it has none.
    static func deleteActor(_ user: UserID, in tx: any SQLExecutor) async throws -> FederateJob? {
        guard
            let username = try await tx.query("SELECT username FROM users WHERE id = \(user) AND remote_followers > 0").decodeFirst({
                try $0.string()
            })
        else { return nil }
        let inboxes = try await tx.query(
            """
            SELECT DISTINCT COALESCE(r.shared_inbox, r.inbox) FROM follows f JOIN remote_actors r ON r.user_id = f.follower_id
             WHERE f.followee_id = \(user) ORDER BY 1
            """
        ).decode { try $0.string() }
        return FederateJob(.deleteActor(user: user.rawValue, username: username, inboxes: inboxes))
    }

    /// Adds the job when `user` is someone on another server.
    static func whenRemote(_ user: UserID) -> SQL { "EXISTS (SELECT 1 FROM remote_actors WHERE user_id = \(user))" }

    /// Adds it when `user` is local and `other` remote.
    static func whenRemote(_ other: UserID, local user: UserID) -> SQL {
        "EXISTS (SELECT 1 FROM remote_actors WHERE user_id = \(other)) AND NOT EXISTS (SELECT 1 FROM remote_actors WHERE user_id = \(user))"
    }

    /// Adds it when `user` is local and `media` a post of someone on another server.
    static func whenRemotePost(_ media: MediaID, local user: UserID) -> SQL {
        """
        EXISTS (SELECT 1 FROM media m JOIN remote_actors r ON r.user_id = m.user_id WHERE m.id = \(media))
        AND NOT EXISTS (SELECT 1 FROM remote_actors WHERE user_id = \(user))
        """
    }

    /// Adds it when anyone on another server follows `user`.
    static func whenFollowedRemotely(_ user: UserID) -> SQL {
        "EXISTS (SELECT 1 FROM users WHERE id = \(user) AND remote_followers > 0)"
    }
}

/// A post from someone on another server, delivered here: its photos are fetched (through the same guarded client as
/// every outgoing request), re-rendered like an upload into Darkroom's renditions, and posted as that person's media,
/// so it reaches their followers' feeds here. One per note (its key): a note delivered twice is taken once.
public struct ReceiveRemotePostJob: BackgroundJob {
    public static let kind = "receive-remote-post"
    public static let maximumAttempts: Int64 = 8
    public var author: Int64
    /// The note as received (JSON).
    public var note: String
    public var uri: String
    /// Who shared it (an `Announce`), when that is how it came: it goes to their followers' feeds here too.
    public var sharedBy: Int64?

    public init(author: UserID, note: String, uri: String, sharedBy: UserID? = nil) {
        self.author = author.rawValue
        self.note = note
        self.uri = uri
        self.sharedBy = sharedBy?.rawValue
    }

    public var key: String? { uri }
    public var lane: String? { CallbackURL.host(of: uri) }
    public static var laneLimit: Int { 2 }
}

/// Whether this process federates: turned on once at start-up by a server with federation on. Writes on hot paths
/// (a like) check it before spending a statement on asking whether anyone remote is concerned.
public final class FederationSwitch: Sendable {
    private let on = Atomic<Bool>(false)

    public init() {}

    public func turnOn() { on.store(true, ordering: .relaxed) }

    public var isOn: Bool { on.load(ordering: .relaxed) }
}

/// Someone here began following a remote account: its latest public posts (its outbox's first page) are taken as if
/// just delivered, and its profile picture fetched, so its profile and the follower's feed are not empty until it
/// next posts. One per account at a time (its key).
public struct BackfillRemoteAccountJob: BackgroundJob {
    public static let kind = "backfill-remote-account"
    public static let maximumAttempts: Int64 = 5
    public var author: Int64

    public init(author: UserID) { self.author = author.rawValue }

    public var key: String? { String(author) }
}
