import DarkroomCore

/// A media about to be stored: its renditions are already written under `renditions.key`.
public struct NewMedia: Sendable {
    public var owner: UserID
    public var type: String
    public var filter: String
    public var caption: String?
    public var locationID: LocationID?
    public var latitude: Double?
    public var longitude: Double?
    public var renditions: Renditions
    public var usersInPhoto: [(user: UserID, x: Double, y: Double)]
    /// The client's key for this upload: a retry with the same key makes no second media.
    public var idempotencyKey: String?
    public var altText: String?
    /// The original's key in `OriginalFiles`; nil for media made without one (the seed's).
    public var originalKey: String?
    public var crop = Crop(shape: .square)
    public var camera: CameraDetails?
    /// A carousel's second and later photos; empty for a single photo.
    public var carouselItems: [NewPhoto] = []
    /// The id a video upload was given when it arrived (`VideoUploads`): its row goes when this media is made.
    public var fromVideoUpload: MediaID?
    /// Set for a post brought in from an archive: it takes its original date, and is neither announced to real-time
    /// subscribers nor mentions anyone (it is not news).
    public var imported: ImportedPost?
    /// An imported post's comments by its owner, made with it at their own dates.
    public var importedComments: [ImportedComment] = []
    /// The note id of a post delivered from another server, kept with it (`federated_objects`) in its transaction.
    public var remoteNote: String?
    /// When a post from another server was published there (unix seconds, no later than now): it takes its place by
    /// that date, as an imported post does.
    public var remotePublished: Int64?

    public init(
        owner: UserID,
        type: String = "image",
        filter: String = "Normal",
        caption: String? = nil,
        locationID: LocationID? = nil,
        latitude: Double? = nil,
        longitude: Double? = nil,
        renditions: Renditions,
        usersInPhoto: [(user: UserID, x: Double, y: Double)] = []
    ) {
        self.owner = owner
        self.type = type
        self.filter = filter
        self.caption = caption
        self.locationID = locationID
        self.latitude = latitude
        self.longitude = longitude
        self.renditions = renditions
        self.usersInPhoto = usersInPhoto
    }
}

/// Where an imported post came from: recorded with the post, in its transaction, so it is imported once.
public struct ImportedPost: Sendable, Codable, Equatable {
    public var importID: Int64
    /// The archive's key for the post (`ArchivePost.key`).
    public var itemKey: String
    /// When it was first posted: the media's `created_at`, and where its id puts it among the owner's posts.
    public var takenAt: Int64

    public init(importID: Int64, itemKey: String, takenAt: Int64) {
        self.importID = importID
        self.itemKey = itemKey
        self.takenAt = takenAt
    }
}

/// A comment brought in with its post.
public struct ImportedComment: Sendable, Codable, Equatable {
    public var text: String
    public var createdAt: Int64

    public init(text: String, createdAt: Int64) {
        self.text = text
        self.createdAt = createdAt
    }
}
