import DarkroomCore
import Foundation
import Logging
import Synchronization

/// A kind of durable background work. A job is a value: its fields are its whole state, stored as JSON in the `jobs`
/// table under its `kind`, so any server process can run it, and a job that records its progress (`JobContext.save`)
/// resumes after a crash instead of starting again. What runs it is registered with a `JobRegistry`, in whichever
/// module has what the work needs (`StorageJob`s run with the storage alone).
///
/// To add one: a `Codable` type with a `kind` that never changes once released, enqueue it with `JobQueue.enqueue`
/// (inside the transaction of the write that needs it), and register its handler. Work must be idempotent: a job
/// whose worker died is run again after its lease.
public protocol BackgroundJob: Codable, Sendable {
    /// The stable name stored with each job of this type.
    static var kind: String { get }
    /// Which waiting work is claimed first.
    static var priority: JobPriority { get }
    /// Attempts before a failing job is set aside with its last error (retries back off from 2 s to an hour).
    static var maximumAttempts: Int64 { get }
    /// Jobs with a key are one per kind and key: enqueuing one that is waiting changes nothing, and enqueuing one that
    /// is running has it run once more when it ends. So at most one runs at a time (one callback, one account).
    var key: String? { get }
    /// Jobs of a kind in the same lane (one host) run at most `laneLimit` at a time across every process.
    var lane: String? { get }
    static var laneLimit: Int { get }
}

extension BackgroundJob {
    public static var priority: JobPriority { .standard }
    public static var maximumAttempts: Int64 { 20 }
    public var key: String? { nil }
    public var lane: String? { nil }
    public static var laneLimit: Int { 1 }
}

/// A job that needs nothing beyond the storage; `JobRegistry.register(_:)` runs it with `run(in:)`.
public protocol StorageJob: BackgroundJob {
    func run(in context: JobContext) async throws
}

/// Claim order: people's own interactive work first, then what follows from it, then bulk work (as Mastodon orders
/// its queues). Within a priority, the job due first.
public enum JobPriority: Int64, Sendable, CaseIterable {
    /// Somebody is waiting on the result (their data download).
    case interactive = 0
    /// What follows from someone's action: feeds, notifications, deliveries.
    case standard = 5
    /// Work nobody waits on: withdrawals, upkeep, re-renders, imports.
    case bulk = 9
}

/// What a running job may use: the storage, a way to record its progress in the same transaction as its work, and a
/// way to have it run again later instead of ending (for work that repeats).
public struct JobContext: Sendable {
    public let storage: Storage
    public let logger: Logger
    let jobID: Int64
    let outcome: JobOutcomeBox

    /// Stores the job's new state (say, a cursor after a batch) within `tx`, so the work and the progress commit together.
    public func save<Job: BackgroundJob>(_ job: Job, in tx: any SQLExecutor) async throws {
        try await tx.execute("UPDATE jobs SET payload = \(try JobPayload.encode(job)) WHERE id = \(jobID)")
    }

    /// Ends the job inside `tx`, so its work and its end commit together and a crash in between never runs it twice.
    public func finish(in tx: any SQLExecutor) async throws {
        try await JobQueue.finish(jobID, in: tx)
    }

    /// Has the job, once it returns, wait until `seconds` (unix time) and run again, rather than end.
    public func runAgain(at seconds: Int64) { outcome.runAgainAt.withLock { $0 = seconds } }
}

/// How a job asked to end: set while it runs, read by the worker once it returns.
final class JobOutcomeBox: Sendable {
    let runAgainAt = Mutex<Int64?>(nil)
}

enum JobPayload {
    static func encode<Job: BackgroundJob>(_ job: Job) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(job), as: UTF8.self)
    }
}
