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
