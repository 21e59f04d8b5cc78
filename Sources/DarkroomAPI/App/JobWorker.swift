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

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await runner.drain()
            } catch {
                logger.error("job worker could not reach the queue", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
