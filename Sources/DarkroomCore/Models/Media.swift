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
    /// Describes the photo for people who cannot see it (`alt` on every page).
    public var altText: String?
    /// Whether its original is kept (photos posted before originals were kept have none).
    public var hasOriginal = false
    /// The camera's details, when its photographer shows them.
    public var camera: CameraDetails?
    /// A carousel's second and later photos (its first is this media's own); empty for a single photo.
    public var carouselItems: [CarouselItem] = []

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
