/// The few fields of a user that other objects embed (likers, authors, search results).
public struct UserSummary: Sendable, Equatable {
    public var id: UserID
    public var username: String
    public var fullName: String
    /// Storage key of the profile picture; nil for the default picture.
    public var profilePicture: String?

    public init(id: UserID, username: String, fullName: String, profilePicture: String?) {
        self.id = id
        self.username = username
        self.fullName = fullName
        self.profilePicture = profilePicture
    }
}

public struct UserCounts: Sendable, Equatable {
    public var media: Int64
    public var follows: Int64
    public var followedBy: Int64

    public init(media: Int64, follows: Int64, followedBy: Int64) {
        self.media = media
        self.follows = follows
        self.followedBy = followedBy
    }
}

public struct User: Sendable, Equatable {
    public var summary: UserSummary
    public var bio: String
    public var website: String
    public var isPrivate: Bool
    public var createdAt: Int64
    public var counts: UserCounts

    public var id: UserID { summary.id }
    public var username: String { summary.username }

    public init(summary: UserSummary, bio: String, website: String, isPrivate: Bool, createdAt: Int64, counts: UserCounts) {
        self.summary = summary
        self.bio = bio
        self.website = website
        self.isPrivate = isPrivate
        self.createdAt = createdAt
        self.counts = counts
    }
}

public struct Location: Sendable, Equatable {
    public var id: LocationID?
    public var name: String?
    public var latitude: Double
    public var longitude: Double
    public var streetAddress: String?

    public init(id: LocationID?, name: String?, latitude: Double, longitude: Double, streetAddress: String? = nil) {
        self.id = id
        self.name = name
        self.latitude = latitude
        self.longitude = longitude
        self.streetAddress = streetAddress
    }
}

public struct Comment: Sendable, Equatable {
    public var id: CommentID
    public var text: String
    public var createdAt: Int64
    public var from: UserSummary

    public init(id: CommentID, text: String, createdAt: Int64, from: UserSummary) {
        self.id = id
        self.text = text
        self.createdAt = createdAt
        self.from = from
    }
}

public struct UserInPhoto: Sendable, Equatable {
    public var user: UserSummary
    public var x: Double
    public var y: Double

    public init(user: UserSummary, x: Double, y: Double) {
        self.user = user
        self.x = x
        self.y = y
    }
}

/// The square renditions of a photo, stored under one key.
public struct Renditions: Sendable, Equatable {
    public var key: String
    public var standard: Int
    public var low: Int
    public var thumbnail: Int
    /// Whether the files belong to a private account: then they are linked only through signed URLs that expire
    /// (`Links.rendition`, `PrivateFilesMiddleware`).
    public var isPrivate: Bool

    public init(key: String, standard: Int, low: Int, thumbnail: Int, isPrivate: Bool = false) {
        self.isPrivate = isPrivate
        self.key = key
        self.standard = standard
        self.low = low
        self.thumbnail = thumbnail
    }
}

/// A media with everything its API object shows: the owner, counts, and samples of likers and comments.
public struct Media: Sendable, Equatable {
    public var id: MediaID
    public var owner: UserSummary
    public var type: String
    public var filter: String
    public var caption: Comment?
    public var location: Location?
    public var createdAt: Int64
    public var renditions: Renditions
    public var tags: [String]
    public var likeCount: Int64
    public var commentCount: Int64
    public var recentLikers: [UserSummary]
    public var recentComments: [Comment]
    public var usersInPhoto: [UserInPhoto]
    /// Whether the viewer likes it; nil when the request had no user (the field is then left out).
    public var viewerHasLiked: Bool?
    /// Moves whenever anything this object shows changes; rendered copies are valid for one version.
    public var version: Int64 = 0

    public init(
        id: MediaID,
        owner: UserSummary,
        type: String,
        filter: String,
        caption: Comment?,
        location: Location?,
        createdAt: Int64,
        renditions: Renditions,
        tags: [String],
        likeCount: Int64,
        commentCount: Int64,
        recentLikers: [UserSummary] = [],
        recentComments: [Comment] = [],
        usersInPhoto: [UserInPhoto] = [],
        viewerHasLiked: Bool? = nil
    ) {
        self.id = id
        self.owner = owner
        self.type = type
        self.filter = filter
        self.caption = caption
        self.location = location
        self.createdAt = createdAt
        self.renditions = renditions
        self.tags = tags
        self.likeCount = likeCount
        self.commentCount = commentCount
        self.recentLikers = recentLikers
        self.recentComments = recentComments
        self.usersInPhoto = usersInPhoto
        self.viewerHasLiked = viewerHasLiked
    }
}

/// Which version of a media a list holds, and whether the viewer likes it: enough to reuse a rendered copy.
public struct MediaStamp: Sendable, Equatable {
    public var id: MediaID
    public var version: Int64
    public var viewerHasLiked: Bool?

    public init(id: MediaID, version: Int64, viewerHasLiked: Bool?) {
        self.id = id
        self.version = version
        self.viewerHasLiked = viewerHasLiked
    }
}

/// A media as it sits in a list that pages by some other id (the like's id for liked media).
public struct Paged<Item: Sendable>: Sendable {
    public var items: [Item]
    /// The cursor for the next page, when there is one.
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// What a client asked for in a media list: page size and id/time bounds, all already validated.
public struct MediaPageRequest: Sendable, Equatable {
    public var count: Int
    /// Only media older than this id.
    public var maxID: Int64?
    /// Only media newer than this id.
    public var minID: Int64?
    /// Only media created at or after this unix time.
    public var minTimestamp: Int64?
    /// Only media created at or before this unix time.
    public var maxTimestamp: Int64?

    public init(count: Int, maxID: Int64? = nil, minID: Int64? = nil, minTimestamp: Int64? = nil, maxTimestamp: Int64? = nil) {
        self.count = count
        self.maxID = maxID
        self.minID = minID
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
    }

    /// The id bounds with the time bounds folded in: ids start with their creation time.
    public var exclusiveUpperID: Int64? {
        let fromTime = maxTimestamp.map { IDGenerator.lowerBound(unixSeconds: $0 + 1) }
        return [maxID, fromTime].compactMap { $0 }.min()
    }
    public var exclusiveLowerID: Int64? {
        let fromTime = minTimestamp.map { IDGenerator.lowerBound(unixSeconds: $0) - 1 }
        return [minID, fromTime].compactMap { $0 }.max()
    }
}

/// What a token lets its bearer do.
public struct AccessGrant: Sendable, Equatable {
    public var tokenID: TokenID
    public var userID: UserID
    public var clientRef: ClientRecordID
    public var scopes: Set<Scope>
    /// Whether the user blocks anyone or is blocked by anyone: such viewers get lists filtered for them alone.
    public var involvedInBlocks: Bool
    /// The token's client, for signed requests: its secret and whether it enforces them (`sig`; the signed header on
    /// writes).
    public var clientSecret: String
    public var enforceSigned: Bool
    public var enforceSignedHeader: Bool

    public init(
        tokenID: TokenID,
        userID: UserID,
        clientRef: ClientRecordID,
        scopes: Set<Scope>,
        involvedInBlocks: Bool = false,
        clientSecret: String = "",
        enforceSigned: Bool = false,
        enforceSignedHeader: Bool = false
    ) {
        self.enforceSignedHeader = enforceSignedHeader
        self.tokenID = tokenID
        self.userID = userID
        self.clientRef = clientRef
        self.scopes = scopes
        self.involvedInBlocks = involvedInBlocks
        self.clientSecret = clientSecret
        self.enforceSigned = enforceSigned
    }
}

public struct Client: Sendable, Equatable {
    public var ref: ClientRecordID
    public var clientID: String
    public var clientSecret: String
    public var name: String
    public var redirectURIs: [String]
    /// May use the password grant (an operator's decision).
    public var trusted: Bool
    public var ownerID: UserID?
    public var description: String
    public var website: String
    /// Refuses `response_type=token` (the client-side flow).
    public var disableImplicit: Bool
    /// Calls with this client's tokens must carry a valid `sig`.
    public var enforceSigned: Bool
    /// Writes with this client's tokens must carry a valid `X-Insta-Forwarded-For` ("Enforce signed header", 2014).
    public var enforceSignedHeader: Bool
    /// The redirect URI must be a registered one to the letter, rather than matched as v1 did (`RedirectURI`).
    public var strictRedirectURI: Bool

    public init(
        ref: ClientRecordID,
        clientID: String,
        clientSecret: String,
        name: String,
        redirectURIs: [String],
        trusted: Bool,
        ownerID: UserID? = nil,
        description: String = "",
        website: String = "",
        disableImplicit: Bool = false,
        enforceSigned: Bool = false,
        enforceSignedHeader: Bool = false,
        strictRedirectURI: Bool = false
    ) {
        self.enforceSignedHeader = enforceSignedHeader
        self.strictRedirectURI = strictRedirectURI
        self.ref = ref
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.name = name
        self.redirectURIs = redirectURIs
        self.trusted = trusted
        self.ownerID = ownerID
        self.description = description
        self.website = website
        self.disableImplicit = disableImplicit
        self.enforceSigned = enforceSigned
    }
}

/// How two users stand, from the viewer's side: exactly the three keys the v1 relationship object has.
public struct Relationship: Sendable, Equatable {
    public enum Outgoing: String, Sendable { case follows, requested, none }
    public enum Incoming: String, Sendable {
        case followedBy = "followed_by"
        case requestedBy = "requested_by"
        case blockedByYou = "blocked_by_you"
        case none
    }

    public var outgoing: Outgoing
    public var incoming: Incoming
    public var targetIsPrivate: Bool

    public init(outgoing: Outgoing, incoming: Incoming, targetIsPrivate: Bool) {
        self.outgoing = outgoing
        self.incoming = incoming
        self.targetIsPrivate = targetIsPrivate
    }
}
