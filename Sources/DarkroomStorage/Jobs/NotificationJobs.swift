import DarkroomCore

/// Turns a new media into its real-time notifications: one for every subscription it matches
/// (`SubscriptionStore.expand`), and a delivery job for each callback they go to, in one transaction with the job's
/// own end, so a crash never announces a media twice. Enqueued by the post's transaction when anyone subscribes.
public struct AnnounceMediaJob: StorageJob {
    public static let kind = "announce-media"
    public var media: Int64
    /// When the media was posted (unix seconds), the notifications' `time`.
    public var time: Int64

    public func run(in context: JobContext) async throws {
        let storage = context.storage
        try await storage.database.transaction { tx in
            let callbacks = try await SubscriptionStore.expand(media: MediaID(media), time: time, in: tx, environment: storage.environment)
            for callback in callbacks {
                try await storage.jobs.enqueue(DeliverNotificationsJob(client: callback.client.rawValue, callback: callback.url), in: tx)
            }
            if !callbacks.isEmpty { try await LiveEvents.announce(in: tx, engine: storage.database.engine) }
            try await context.finish(in: tx)
        }
        storage.live.ring()
    }
}

/// Sends one client's waiting notifications to one callback URL, a batch per request, until none waits. One per
/// callback (its key), so a callback gets one request at a time; at most four callbacks of one host at once (its
/// lane), so one host's slowness holds up only its own share. What runs it needs an HTTP client, so the server
/// registers it (`CallbackDelivery`, in the API module). A failed request is retried by the queue with its backoff;
/// notifications that keep failing are set aside one by one (`NotificationOutbox.maximumAttempts`), so the job itself
/// is never set aside for a receiver's failures.
public struct DeliverNotificationsJob: BackgroundJob {
    public static let kind = "deliver-notifications"
    public static let laneLimit = 4
    public static let maximumAttempts: Int64 = 1_000_000
    public var client: Int64
    public var callback: String

    public init(client: Int64, callback: String) {
        self.client = client
        self.callback = callback
    }

    public var key: String? { "\(client) \(callback)" }
    public var lane: String? { CallbackURL.host(of: callback) }
}

/// Periodic upkeep, once across the servers sharing the database (one job, by its key), every ten minutes: bounds the
/// home feeds, removes stored files no row names (a crash's leftovers) and expired exports, and drops rate-limit
/// counters no window reads any more, delivered notifications older than a day, activity past its retention, expired
/// mailed links and security-log entries older than a year.
public struct UpkeepJob: StorageJob {
    public static let kind = "upkeep"
    public static let priority = JobPriority.bulk
    public static let interval: Int64 = 600
    public var key: String? { "upkeep" }

    public init() {}

    public func run(in context: JobContext) async throws {
        let storage = context.storage
        let removed = try await storage.sweepOrphanedFiles()
        if removed > 0 { context.logger.info("removed orphaned media files", metadata: ["sets": "\(removed)"]) }
        try await storage.dataExports.sweep()
        let cut = try await HomeFeed.trimOversized(database: storage.database)
        if cut > 0 { context.logger.info("trimmed home feeds", metadata: ["feeds": "\(cut)"]) }
        try await storage.rateLimits.prune(before: storage.environment.nowSeconds / 3600 * 3600 - 3600)
        try await storage.notifications.prune()
        try await storage.federationOutbox.prune()
        try await storage.activity.prune(olderThanDays: storage.activityRetentionDays)
        try await storage.accountTokens.prune(before: storage.environment.nowSeconds)
        try await storage.securityLog.prune(now: storage.environment.nowSeconds)
        context.runAgain(at: storage.environment.nowSeconds + Self.interval)
    }
}
