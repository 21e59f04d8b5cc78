import DarkroomCore

/// A person on another server as their actor document describes them: what Darkroom keeps to show them, deliver to
/// them and check their signatures.
public struct RemoteActor: Sendable, Equatable {
    public var uri: String
    public var handle: FediverseHandle
    public var name: String
    public var summary: String
    public var inbox: String
    public var sharedInbox: String?
    public var followers: String?
    public var profileURL: String?
    public var keyID: String
    public var publicKeyPEM: String
    public var manuallyApprovesFollowers: Bool

    public init(
        uri: String,
        handle: FediverseHandle,
        name: String,
        summary: String,
        inbox: String,
        sharedInbox: String?,
        followers: String?,
        profileURL: String?,
        keyID: String,
        publicKeyPEM: String,
        manuallyApprovesFollowers: Bool
    ) {
        self.uri = uri
        self.handle = handle
        self.name = name
        self.summary = summary
        self.inbox = inbox
        self.sharedInbox = sharedInbox
        self.followers = followers
        self.profileURL = profileURL
        self.keyID = keyID
        self.publicKeyPEM = publicKeyPEM
        self.manuallyApprovesFollowers = manuallyApprovesFollowers
    }

    /// Where deliveries for this actor go: its server's shared inbox when it has one, so one post reaches every
    /// follower on a server in one request.
    public var deliveryInbox: String { sharedInbox ?? inbox }
}

/// A remote actor known here: its local account and what was last fetched.
public struct KnownRemoteActor: Sendable {
    public var userID: UserID
    public var actor: RemoteActor
    public var fetchedAt: Int64

    public init(userID: UserID, actor: RemoteActor, fetchedAt: Int64) {
        self.userID = userID
        self.actor = actor
        self.fetchedAt = fetchedAt
    }
}

/// An operator's word on a whole server (Mastodon's domain blocks): `suspend` refuses everything from it and sends it
/// nothing; `limit` keeps its people out of explore and search for those who do not follow them; `rejectMedia`
/// takes its posts without fetching their photos.
public enum DomainPolicy: String, Sendable, CaseIterable {
    case none
    case limit
    case rejectMedia = "reject_media"
    case suspend
}
