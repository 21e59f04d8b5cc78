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
