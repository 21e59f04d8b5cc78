import DarkroomCore
import Logging

/// Claims and runs due jobs until none is left. The server's worker calls it in a loop; tests call it to drain.
public struct JobRunner: Sendable {
    let storage: Storage
    let logger: Logger
    let registry: JobRegistry

    public init(storage: Storage, logger: Logger, registry: JobRegistry = .standard) {
        self.storage = storage
        self.logger = logger
        self.registry = registry
    }

    /// Bounds every home feed to `HomeFeed.capacity` entries.
    public func trimFeeds() async throws {
        let cut = try await HomeFeed.trimOversized(database: storage.database)
        if cut > 0 { logger.info("trimmed home feeds", metadata: ["feeds": "\(cut)"]) }
    }

    /// Whether this server does the upkeep now (`FleetLeases`: once across the servers sharing the database).
    public func takeUpkeep(forSeconds seconds: Int64) async throws -> Bool {
        try await storage.fleetLeases.take("upkeep", seconds: seconds)
    }

    /// Removes stored files no row names (see `Storage.sweepOrphanedFiles`).
    public func sweepFiles() async throws {
        let removed = try await storage.sweepOrphanedFiles()
        if removed > 0 { logger.info("removed orphaned media files", metadata: ["sets": "\(removed)"]) }
        try await storage.dataExports.sweep()
    }

    /// Drops rate-limit counters older than the two hours a sliding window reads.
    public func pruneRateLimits() async throws {
        try await storage.rateLimits.prune(before: storage.environment.nowSeconds / 3600 * 3600 - 3600)
        try await storage.notifications.prune()
    }

    /// Runs due jobs until the queue has none; answers how many ran (set-aside ones included).
    @discardableResult
    public func drain() async throws -> Int {
        var ran = 0
        while let job = try await storage.jobs.claim() {
            do {
                try await registry.run(job, context: JobContext(storage: storage, jobID: job.id))
                try await storage.jobs.complete(job)
            } catch let error as JobDecodingError {
                logger.error("job set aside: it cannot be read", metadata: ["id": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
                try await storage.jobs.setAside(job, error: error.description)
            } catch {
                logger.error("job failed; will retry", metadata: ["kind": "\(job.kind)", "error": "\(error)"])
                try await storage.jobs.retry(job, error: "\(error)")
            }
            ran += 1
        }
        return ran
    }
}
