/// Where a page of popular media ends. Ranks decay with time, so the cursor carries the moment the first page was
/// ranked at and the window it chose: every later page ranks the same media the same way, and a photo cannot move
/// between pages because an hour passed. Written `asOf.window.score.id`, all decimal.
public struct PopularCursor: Sendable, Hashable, CustomStringConvertible {
    public var asOf: Int64
    public var window: Int64
    public var score: Int64
    public var id: MediaID

    public init(asOf: Int64, window: Int64, score: Int64, id: MediaID) {
        self.asOf = asOf
        self.window = window
        self.score = score
        self.id = id
    }

    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false).map { Int64($0) }
        guard parts.count == 4, let asOf = parts[0], let window = parts[1], let score = parts[2], let id = parts[3],
            asOf > 0, window > 0, window <= 30 * 86_400, score >= 0, id > 0
        else { return nil }
        self.init(asOf: asOf, window: window, score: score, id: MediaID(id))
    }

    public var description: String { "\(asOf).\(window).\(score).\(id.rawValue)" }
}
