import DarkroomCore
import Foundation
import Logging
import Synchronization

/// What a running job may use: the storage, a way to record its progress in the same transaction as its work, and a
/// way to have it run again later instead of ending (for work that repeats).
public struct JobContext: Sendable {
    public let storage: Storage
    public let logger: Logger
    let claim: ClaimedJob
    let outcome: JobOutcomeBox

    /// Stores the job's new state (say, a cursor after a batch) within `tx`, so the work and the progress commit
    /// together. Throws `JobLeaseLost` (rolling `tx` back) when another claim has overtaken this run.
    public func save<Job: BackgroundJob>(_ job: Job, in tx: any SQLExecutor) async throws {
        try await JobQueue.save(try JobPayload.encode(job), of: claim, in: tx)
    }

    /// Ends the job inside `tx`, so its work and its end commit together: neither a crash in between nor a second
    /// claim made after this run's lease ran out (`JobLeaseLost`, rolling `tx` back) can have it done twice.
    public func finish(in tx: any SQLExecutor) async throws {
        try await JobQueue.finish(claim, in: tx)
    }

    /// Has the job, once it returns, wait until `seconds` (unix time) and run again, rather than end.
    public func runAgain(at seconds: Int64) { outcome.runAgainAt.withLock { $0 = seconds } }
}

/// How a job asked to end: set while it runs, read by the worker once it returns.
final class JobOutcomeBox: Sendable {
    let runAgainAt = Mutex<Int64?>(nil)
}
