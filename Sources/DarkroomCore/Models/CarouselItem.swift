/// One photo of a carousel after its first (the media's own fields describe the first).
public struct CarouselItem: Sendable, Equatable {
    public var position: Int
    public var filter: String
    public var renditions: Renditions
    public var altText: String?
    public var hasOriginal: Bool
    public var camera: CameraDetails?
    public var usersInPhoto: [UserInPhoto]

    public init(
        position: Int,
        filter: String,
        renditions: Renditions,
        altText: String?,
        hasOriginal: Bool,
        camera: CameraDetails? = nil,
        usersInPhoto: [UserInPhoto] = []
    ) {
        self.position = position
        self.filter = filter
        self.renditions = renditions
        self.altText = altText
        self.hasOriginal = hasOriginal
        self.camera = camera
        self.usersInPhoto = usersInPhoto
    }
}
