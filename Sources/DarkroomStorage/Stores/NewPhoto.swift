import DarkroomCore

/// One photo of a carousel after its first, as posted.
public struct NewPhoto: Sendable {
    public var filter: String
    public var renditions: Renditions
    public var altText: String?
    public var originalKey: String?
    public var crop: Crop
    public var camera: CameraDetails?
    public var usersInPhoto: [(user: UserID, x: Double, y: Double)]

    public init(
        filter: String,
        renditions: Renditions,
        altText: String?,
        originalKey: String?,
        crop: Crop,
        camera: CameraDetails?,
        usersInPhoto: [(user: UserID, x: Double, y: Double)]
    ) {
        self.filter = filter
        self.renditions = renditions
        self.altText = altText
        self.originalKey = originalKey
        self.crop = crop
        self.camera = camera
        self.usersInPhoto = usersInPhoto
    }
}
