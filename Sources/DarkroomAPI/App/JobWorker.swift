import DarkroomStorage
import Logging
import ServiceLifecycle

/// Runs background jobs (fan-out of posts to followers' feeds) for as long as the server runs. Jobs live in the
/// database, so whatever a stopped worker left is picked up when any server starts again.
struct JobWorker: Service {
    let runner: JobRunner
    let logger: Logger
    /// How often to look for new work when the queue was empty.
    let pollInterval: Duration = .milliseconds(200)
    /// How often to bound the home feeds (see `HomeFeed.trimOversized`).
    let trimInterval: Duration = .seconds(600)

    func run() async throws {
        var lastTrim = ContinuousClock.now
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await runner.drain()
                if ContinuousClock.now - lastTrim > trimInterval {
                    lastTrim = ContinuousClock.now
                    try await runner.trimFeeds()
                }
            } catch {
                logger.error("job worker failed a round", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
