/// What a client asked for in a media list: page size and id/time bounds, all already validated.
public struct MediaPageRequest: Sendable, Equatable {
    public var count: Int
    /// Only media older than this id.
    public var maxID: Int64?
    /// Only media newer than this id.
    public var minID: Int64?
    /// Only media created at or after this unix time.
    public var minTimestamp: Int64?
    /// Only media created at or before this unix time.
    public var maxTimestamp: Int64?

    public init(count: Int, maxID: Int64? = nil, minID: Int64? = nil, minTimestamp: Int64? = nil, maxTimestamp: Int64? = nil) {
        self.count = count
        self.maxID = maxID
        self.minID = minID
        self.minTimestamp = minTimestamp
        self.maxTimestamp = maxTimestamp
    }

    /// The id bounds with the time bounds folded in: ids start with their creation time.
    public var exclusiveUpperID: Int64? {
        let fromTime = maxTimestamp.map { IDGenerator.lowerBound(unixSeconds: $0 + 1) }
        return [maxID, fromTime].compactMap { $0 }.min()
    }
    public var exclusiveLowerID: Int64? {
        let fromTime = minTimestamp.map { IDGenerator.lowerBound(unixSeconds: $0) - 1 }
        return [minID, fromTime].compactMap { $0 }.max()
    }
}
