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

enum JobPayload {
    static func encode<Job: BackgroundJob>(_ job: Job) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(job), as: UTF8.self)
    }
}
