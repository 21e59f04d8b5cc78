import DarkroomStorage
import Logging
import ServiceLifecycle

/// Runs background jobs (fan-out of posts to followers' feeds) for as long as the server runs. Jobs live in the
/// database, so whatever a stopped worker left is picked up when any server starts again. At start and then every
/// `upkeepInterval` it also bounds the home feeds, sweeps media files no row names (a crash's leftovers) and drops
/// rate-limit counters no window reads any more — once across all the servers sharing the database (a fleet lease).
struct JobWorker: Service {
    let runner: JobRunner
    let logger: Logger
    /// How often to look for new work when the queue was empty.
    let pollInterval: Duration = .milliseconds(200)
    let upkeepInterval: Duration = .seconds(600)

    func run() async throws {
        var lastUpkeep: ContinuousClock.Instant?
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if lastUpkeep.map({ ContinuousClock.now - $0 > upkeepInterval }) ?? true {
                    lastUpkeep = ContinuousClock.now
                    if try await runner.takeUpkeep(forSeconds: upkeepInterval.components.seconds - 5) {
                        try await runner.sweepFiles()
                        try await runner.trimFeeds()
                        try await runner.pruneRateLimits()
                    }
                }
                try await runner.drain()
            } catch is CancellationError {
                break
            } catch {
                logger.error("job worker failed a round", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
