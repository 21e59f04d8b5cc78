import DarkroomCore

/// A photo as a grid shows it.
public struct MediaTile: Sendable {
    public var id: MediaID
    public var renditions: Renditions
    public var likeCount: Int64
    public var commentCount: Int64
    public var caption: String?
    public var altText: String?
    public var isCarousel = false
}
