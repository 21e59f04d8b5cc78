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
