import DarkroomCore

/// Puts a new media in the home feeds of its author's followers, `HomeFeed.fanOutBatch` followers per transaction,
/// for authors with too many followers to do it while posting.
public struct FanOutJob: FollowerBatchJob {
    public static let kind = "fan-out"
    static let bringsLiveEvents = true
    public var media: Int64
    public var author: Int64
    /// The last follow id handled; the job resumes after it.
    public var cursor: Int64 = 0

    static func batch(_ media: MediaID, author: UserID, after cursor: Int64, limit: Int, in tx: any SQLExecutor) async throws -> Int64? {
        try await HomeFeed.fanOutBatch(media, author: author, after: cursor, limit: limit, in: tx)
    }
}

/// Takes a deleted media out of its author's followers' feeds, a batch at a time.
public struct WithdrawJob: FollowerBatchJob {
    public static let kind = "withdraw"
    /// Reads never show a deleted media's entries: this only reclaims space.
    public static let priority = JobPriority.bulk
    static let bringsLiveEvents = false
    public var media: Int64
    public var author: Int64
    public var cursor: Int64 = 0

    static func batch(_ media: MediaID, author: UserID, after cursor: Int64, limit: Int, in tx: any SQLExecutor) async throws -> Int64? {
        try await HomeFeed.withdrawBatch(media, author: author, after: cursor, limit: limit, in: tx)
    }
}

/// A job that walks an author's followers in follow order, recording its cursor with each batch so a restart
/// resumes, not redoes.
protocol FollowerBatchJob: StorageJob {
    var media: Int64 { get }
    var author: Int64 { get }
    var cursor: Int64 { get set }
    /// Whether a batch puts something in feeds that live streams should hear of.
    static var bringsLiveEvents: Bool { get }
    static func batch(_ media: MediaID, author: UserID, after cursor: Int64, limit: Int, in tx: any SQLExecutor) async throws -> Int64?
}

extension FollowerBatchJob {
    public func run(in context: JobContext) async throws {
        var job = self
        while true {
            let current = job
            let next = try await context.storage.database.transaction { tx -> Int64? in
                guard
                    let last = try await Self.batch(
                        MediaID(current.media),
                        author: UserID(current.author),
                        after: current.cursor,
                        limit: HomeFeed.fanOutBatch,
                        in: tx
                    )
                else { return nil }
                var advanced = current
                advanced.cursor = last
                try await context.save(advanced, in: tx)
                if Self.bringsLiveEvents { try await LiveEvents.announce(in: tx, engine: context.storage.database.engine) }
                return last
            }
            guard let next else { return }
            if Self.bringsLiveEvents { context.storage.live.ring() }
            job.cursor = next
        }
    }
}
