import DarkroomCore
import Foundation

/// The job kinds a worker runs, by kind, each with its handler and how many of it one process runs at once. A job
/// whose kind is unknown here or whose payload does not decode is set aside (kept, with the reason), never dropped.
public struct JobRegistry: Sendable {
    struct Entry: Sendable {
        var concurrency: Int
        var maximumAttempts: Int64
        var run: @Sendable (String, JobContext) async throws -> Void
    }

    private(set) var entries: [String: Entry] = [:]

    public init() {}

    /// Runs jobs of `Job`'s kind with `handler`, at most `concurrency` at once in this process.
    public mutating func register<Job: BackgroundJob>(
        _ type: Job.Type,
        concurrency: Int = 2,
        handler: @escaping @Sendable (Job, JobContext) async throws -> Void
    ) {
        precondition(entries[Job.kind] == nil, "two job types registered as \(Job.kind)")
        kinds = (kinds + [Job.kind]).sorted()
        entries[Job.kind] = Entry(concurrency: max(1, concurrency), maximumAttempts: Job.maximumAttempts) { payload, context in
            let job: Job
            do {
                job = try JSONDecoder().decode(Job.self, from: Data(payload.utf8))
            } catch {
                throw JobDecodingError(kind: Job.kind, reason: "\(error)")
            }
            try await handler(job, context)
        }
    }

    public mutating func register<Job: StorageJob>(_ type: Job.Type, concurrency: Int = 2) {
        register(type, concurrency: concurrency) { job, context in try await job.run(in: context) }
    }

    /// Every job kind the storage runs by itself; the server adds those that need more (`DeliverNotificationsJob`).
    public static let standard: JobRegistry = {
        var registry = JobRegistry()
        registry.register(FanOutJob.self, concurrency: 2)
        registry.register(WithdrawJob.self, concurrency: 1)
        registry.register(AnnounceMediaJob.self, concurrency: 2)
        registry.register(DataExportJob.self, concurrency: 1)
        registry.register(UpkeepJob.self, concurrency: 1)
        registry.register(UndoImportJob.self, concurrency: 1)
        return registry
    }()

    /// The kinds registered, in name order.
    public private(set) var kinds: [String] = []

    func concurrency(of kind: String) -> Int { entries[kind]?.concurrency ?? 1 }

    func maximumAttempts(of kind: String) -> Int64 { entries[kind]?.maximumAttempts ?? 1 }

    func run(_ job: ClaimedJob, context: JobContext) async throws {
        guard let entry = entries[job.kind] else { throw JobDecodingError(kind: job.kind, reason: "no job type has this kind") }
        try await entry.run(job.payload, context)
    }
}

/// A job that no registered type can read: retrying cannot help, so it is set aside for an operator.
struct JobDecodingError: Error, CustomStringConvertible {
    var kind: String
    var reason: String
    var description: String { "cannot read a job of kind \(kind): \(reason)" }
}
