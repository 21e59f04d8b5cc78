import DarkroomCore
import Logging
import Synchronization

/// Runs the queue's jobs for as long as its task lives: claims what is due, in the queue's order, as long as the
/// process has room (`capacity` jobs at once, and each kind's own concurrency from the registry), runs each in a task
/// of its own with its lease renewed, and ends it — complete, again later, retried, or set aside. When nothing can be
/// claimed it sleeps until the doorbell rings (an enqueue or a job's end in this process, or another process's notice
/// on PostgreSQL) or the next job falls due, by the environment's clock; there is no polling loop.
public struct JobWorker: Sendable {
    let storage: Storage
    let registry: JobRegistry
    let logger: Logger
    /// Jobs running at once in this process, whatever their kinds.
    let capacity: Int
    /// The longest sleep without a ring: work other processes enqueue on SQLite (a `darkroom` command while the server
    /// runs) rings nothing here, and on PostgreSQL this bounds the wait if a notice was lost.
    let longestSleep: Int64

    public init(storage: Storage, registry: JobRegistry = .standard, logger: Logger, capacity: Int = 32, longestSleepSeconds: Int64 = 30) {
        self.storage = storage
        self.registry = registry
        self.logger = logger
        self.capacity = capacity
        self.longestSleep = longestSleepSeconds
    }

    private var queue: JobQueue { storage.jobs }
    private var environment: SystemEnvironment { storage.environment }

    /// Runs jobs until the task is cancelled; jobs running then are given back for another worker.
    public func run() async {
        let hearsOthers = storage.database.listen(to: JobQueue.channel) { [doorbell = storage.jobs.doorbell] in doorbell.ring() }
        let sleepCap = hearsOthers || storage.database.engine == .sqlite ? longestSleep * 1000 : 1000
        let running = RunningJobs()
        await withDiscardingTaskGroup { group in
            while !Task.isCancelled {
                var wakeAt = environment.nowMilliseconds() + sleepCap
                do {
                    while let job = try await claimWithinLimits(running) {
                        group.addTask {
                            await execute(job)
                            running.ended(job.kind)
                            // Its kind, its lane and the process have room again.
                            queue.doorbell.ring()
                        }
                    }
                    if let due = try await queue.nextDue(kinds: registry.kinds) { wakeAt = min(wakeAt, due * 1000) }
                } catch {
                    if Task.isCancelled { break }
                    logger.error("job worker could not claim work", metadata: ["error": "\(error)"])
                    wakeAt = environment.nowMilliseconds() + 1000
                }
                let deadline = wakeAt
                await queue.doorbell.wait(orUntil: { [environment] in await environment.sleepUntil(deadline) })
            }
        }
    }

    /// Runs every due job, one at a time, until none is due (tests, and `darkroom` commands); answers how many ran,
    /// set-aside ones included.
    @discardableResult
    public func drain() async throws -> Int {
        var ran = 0
        while let job = try await queue.claim(kinds: registry.kinds) {
            await execute(job)
            ran += 1
        }
        return ran
    }

    /// Claims the next job whose kind has room, counting it as running; nil when the process is full or nothing is due.
    private func claimWithinLimits(_ running: RunningJobs) async throws -> ClaimedJob? {
        let open = running.kindsWithRoom(registry: registry, capacity: capacity)
        guard let job = try await queue.claim(kinds: open) else { return nil }
        running.started(job.kind)
        return job
    }

    private func execute(_ job: ClaimedJob) async {
        let outcome = JobOutcomeBox()
        let context = JobContext(storage: storage, logger: logger, claim: job, outcome: outcome)
        let lease = Task { [queue, environment] in
            while !Task.isCancelled {
                await environment.sleepUntil(environment.nowMilliseconds() + JobQueue.leaseSeconds * 1000 / 3)
                if Task.isCancelled { return }
                try? await queue.renew(job)
            }
        }
        defer { lease.cancel() }
        do {
            do {
                try await registry.run(job, context: context)
            } catch let error as JobDecodingError {
                logger.error("job set aside: it cannot be read", metadata: ["id": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
                try await queue.setAside(job, error: error.description)
                return
            } catch  where Task.isCancelled {
                try? await queue.release(job)
                return
            } catch let error as JobLeaseLost {
                overtaken(job, error)
                return
            } catch {
                if job.attempts >= registry.maximumAttempts(of: job.kind) {
                    logger.error("job set aside after its last attempt", metadata: ["id": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
                    try await queue.setAside(job, error: "\(error)")
                } else {
                    logger.warning("job failed; will retry", metadata: ["id": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
                    try await queue.retry(job, error: "\(error)")
                }
                return
            }
            if let again = outcome.runAgainAt.withLock({ $0 }) {
                try await queue.reschedule(job, at: again)
            } else {
                try await queue.complete(job)
            }
        } catch let error as JobLeaseLost {
            overtaken(job, error)
        } catch {
            // The job's lease runs out and another claim runs it again: work is idempotent.
            logger.error("job's end could not be recorded", metadata: ["id": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
        }
    }

    /// Another claim has the job now (this run's lease ran out while it ran): it is that claim's to end.
    private func overtaken(_ job: ClaimedJob, _ error: JobLeaseLost) {
        logger.warning("job overtaken: its lease ran out while it ran", metadata: ["id": "\(job.id)", "kind": "\(job.kind)", "error": "\(error)"])
    }
}

/// How many jobs of each kind this process runs now.
private final class RunningJobs: Sendable {
    private let counts = Mutex<[String: Int]>([:])

    func started(_ kind: String) { counts.withLock { $0[kind, default: 0] += 1 } }
    func ended(_ kind: String) { counts.withLock { $0[kind, default: 1] -= 1 } }

    /// The kinds one more of which may start: none when the process is full.
    func kindsWithRoom(registry: JobRegistry, capacity: Int) -> [String] {
        counts.withLock { counts in
            guard counts.values.reduce(0, +) < capacity else { return [] }
            return registry.kinds.filter { counts[$0, default: 0] < registry.concurrency(of: $0) }
        }
    }
}
