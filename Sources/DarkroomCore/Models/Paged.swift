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
