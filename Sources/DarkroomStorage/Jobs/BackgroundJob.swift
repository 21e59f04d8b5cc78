import DarkroomCore
import Foundation

/// A kind of durable background work. A job is a value: its fields are its whole state, stored as JSON in the `jobs`
/// table under its `kind`, so any server process can run it, and a job that records its progress (`JobContext.save`)
/// resumes after a crash instead of starting again.
///
/// To add one: a `Codable` type with a `kind` that never changes once released, a `run`, and a line in
/// `JobRegistry.standard`. Work must be idempotent: a job whose worker died is run again after its lease.
public protocol BackgroundJob: Codable, Sendable {
    /// The stable name stored with each job of this type.
    static var kind: String { get }
    func run(in context: JobContext) async throws
}

/// What a running job may use: the storage, and a way to record its progress in the same transaction as its work.
public struct JobContext: Sendable {
    public let storage: Storage
    let jobID: Int64

    /// Stores the job's new state (say, a cursor after a batch) within `tx`, so the work and the progress commit together.
    public func save<Job: BackgroundJob>(_ job: Job, in tx: any SQLExecutor) async throws {
        try await tx.execute("UPDATE jobs SET payload = \(try JobPayload.encode(job)) WHERE id = \(jobID)")
    }
}

enum JobPayload {
    static func encode<Job: BackgroundJob>(_ job: Job) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(job), as: UTF8.self)
    }
}

/// The job types a worker knows, by kind. A job whose kind is unknown or whose payload does not decode is set aside
/// as failed (kept, with the reason), never dropped.
public struct JobRegistry: Sendable {
    private var runners: [String: @Sendable (String, JobContext) async throws -> Void] = [:]

    public init() {}

    public mutating func register<Job: BackgroundJob>(_ type: Job.Type) {
        runners[Job.kind] = { payload, context in
            let job: Job
            do {
                job = try JSONDecoder().decode(Job.self, from: Data(payload.utf8))
            } catch {
                throw JobDecodingError(kind: Job.kind, reason: "\(error)")
            }
            try await job.run(in: context)
        }
    }

    /// Every job type Darkroom itself enqueues.
    public static let standard: JobRegistry = {
        var registry = JobRegistry()
        registry.register(FanOutJob.self)
        registry.register(WithdrawJob.self)
        registry.register(DataExportJob.self)
        return registry
    }()

    func run(_ job: ClaimedJob, context: JobContext) async throws {
        guard let runner = runners[job.kind] else { throw JobDecodingError(kind: job.kind, reason: "no job type has this kind") }
        try await runner(job.payload, context)
    }
}

/// A job that no registered type can read: retrying cannot help, so it is set aside for an operator.
struct JobDecodingError: Error, CustomStringConvertible {
    var kind: String
    var reason: String
    var description: String { "cannot read a job of kind \(kind): \(reason)" }
}
