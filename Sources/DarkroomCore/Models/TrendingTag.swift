/// A tag explore shows as trending: how many recent photos carry it.
public struct TrendingTag: Sendable, Equatable {
    public var name: String
    public var uses: Int64

    public init(name: String, uses: Int64) {
        self.name = name
        self.uses = uses
    }
}
