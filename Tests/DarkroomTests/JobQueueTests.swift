import DarkroomCore
import Foundation
import Logging
import Synchronization
import Testing

@testable import DarkroomStorage

/// The one job queue: claim order, keys, lanes, per-kind concurrency, backoff and set-aside, jobs that run again,
/// leases renewed while a job runs, and a worker that sleeps on the injected clock and the doorbell instead of polling.
@Suite struct JobQueueTests {
    /// A job a test controls: it records its runs, and fails while `failures` says so.
    struct Probe: BackgroundJob {
        static let kind = "probe"
        static let maximumAttempts: Int64 = 3
        var name: String
        var probeKey: String?
        var probeLane: String?
        var key: String? { probeKey }
        var lane: String? { probeLane }
        static let laneLimit = 2
    }

    struct BulkProbe: BackgroundJob {
        static let kind = "bulk-probe"
        static let priority = JobPriority.bulk
        var name: String
    }

    struct InteractiveProbe: BackgroundJob {
        static let kind = "interactive-probe"
        static let priority = JobPriority.interactive
        var name: String
    }

    /// What the probes did.
    final class Log: Sendable {
        let runs = Mutex<[String]>([])
        let failuresLeft = Mutex(0)
        func record(_ name: String) throws {
            runs.withLock { $0.append(name) }
            let fail = failuresLeft.withLock { left -> Bool in
                guard left > 0 else { return false }
                left -= 1
                return true
            }
            if fail { throw ProbeFailure() }
        }
    }

    struct ProbeFailure: Error {}

    static func registry(_ log: Log, concurrency: Int = 4) -> JobRegistry {
        var registry = JobRegistry()
        registry.register(Probe.self, concurrency: concurrency) { job, _ in try log.record(job.name) }
        registry.register(BulkProbe.self) { job, _ in try log.record(job.name) }
        registry.register(InteractiveProbe.self) { job, _ in try log.record(job.name) }
        return registry
    }

    @Test(arguments: Engine.available)
    func interactiveWorkIsClaimedBeforeStandardAndStandardBeforeBulk(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let jobs = world.storage.jobs
            try await jobs.enqueue(BulkProbe(name: "bulk"))
            try await jobs.enqueue(Probe(name: "standard"))
            try await jobs.enqueue(InteractiveProbe(name: "interactive"))
            try await jobs.enqueue(InteractiveProbe(name: "later"), runAt: world.clock.now / 1000 + 60)
            let log = Log()
            #expect(try await JobWorker(storage: world.storage, registry: Self.registry(log), logger: Logger(label: "test")).drain() == 3)
            #expect(log.runs.withLock { $0 } == ["interactive", "standard", "bulk"])
            world.clock.advance(seconds: 60)
            #expect(try await JobWorker(storage: world.storage, registry: Self.registry(log), logger: Logger(label: "test")).drain() == 1)
        }
    }

    @Test(arguments: Engine.available)
    func aKeyedJobIsOneJobAndRunsAgainWhenEnqueuedWhileRunning(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let jobs = world.storage.jobs
            let kinds = [Probe.kind]
            try await jobs.enqueue(Probe(name: "first", probeKey: "callback A"))
            try await jobs.enqueue(Probe(name: "second", probeKey: "callback A"))
            try await jobs.enqueue(Probe(name: "other", probeKey: "callback B"))
            #expect(try await jobs.pendingCount() == 2, "waiting: enqueuing the same key again changes nothing")
            let running = try #require(try await jobs.claim(kinds: kinds))
            #expect(running.payload.contains("first"))
            // Enqueued while it runs: it ends, and is due again at once — the news it was enqueued for is not lost.
            try await jobs.enqueue(Probe(name: "third", probeKey: "callback A"))
            let other = try #require(try await jobs.claim(kinds: kinds))
            #expect(other.payload.contains("other"))
            #expect(try await jobs.claim(kinds: kinds) == nil, "one job per key: the running one is not claimed twice")
            try await jobs.complete(running)
            try await jobs.complete(other)
            let again = try #require(try await jobs.claim(kinds: kinds))
            #expect(again.id == running.id && again.attempts == 1)
            try await jobs.complete(again)
            #expect(try await jobs.pendingCount() == 0)
        }
    }

    @Test(arguments: Engine.available)
    func aLaneRunsAtMostItsLimitAtOnce(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let jobs = world.storage.jobs
            for index in 0..<3 { try await jobs.enqueue(Probe(name: "a\(index)", probeKey: "a\(index)", probeLane: "host a")) }
            try await jobs.enqueue(Probe(name: "b0", probeKey: "b0", probeLane: "host b"))
            let first = try #require(try await jobs.claim(kinds: [Probe.kind]))
            let second = try #require(try await jobs.claim(kinds: [Probe.kind]))
            let third = try #require(try await jobs.claim(kinds: [Probe.kind]))
            #expect([first, second, third].map(\.payload).filter { $0.contains("host a") }.count == 2)
            #expect(third.payload.contains("host b"), "host a's lane is full; host b's job goes past it")
            #expect(try await jobs.claim(kinds: [Probe.kind]) == nil)
            try await jobs.complete(first)
            #expect(try await jobs.claim(kinds: [Probe.kind])?.payload.contains("a2") == true)
        }
    }

    @Test(arguments: Engine.available)
    func aFailingJobBacksOffThenIsSetAsideWithItsReason(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let log = Log()
            log.failuresLeft.withLock { $0 = 10 }
            let worker = JobWorker(storage: world.storage, registry: Self.registry(log), logger: Logger(label: "test"))
            try await world.storage.jobs.enqueue(Probe(name: "flaky"))
            #expect(try await worker.drain() == 1)
            #expect(try await worker.drain() == 0, "not due again until its backoff has passed")
            world.clock.advance(seconds: 3)
            #expect(try await worker.drain() == 1)
            world.clock.advance(seconds: 5)
            #expect(try await worker.drain() == 1)
            #expect(log.runs.withLock { $0.count } == 3)
            let setAside = try await world.storage.jobs.list(setAside: true)
            #expect(setAside.map(\.kind) == [Probe.kind] && setAside.first?.lastError?.contains("ProbeFailure") == true)
            world.clock.advance(seconds: 86_400)
            #expect(try await worker.drain() == 0, "set aside: never claimed again")
            // The operator puts it back once the cause is fixed.
            log.failuresLeft.withLock { $0 = 0 }
            #expect(try await world.storage.jobs.retrySetAside(nil) == 1)
            #expect(try await worker.drain() == 1)
            let (pending, setAsideNow) = (try await world.storage.jobs.pendingCount(), try await world.storage.jobs.failedCount())
            #expect(pending == 0 && setAsideNow == 0)
        }
    }

    /// A run whose lease ran out (a stalled process) and whose job another claim took meanwhile cannot end the job,
    /// nor commit the work it finishes with: the job runs once, for the claim that holds it.
    @Test(arguments: Engine.available)
    func anOvertakenClaimCommitsNothing(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let jobs = world.storage.jobs
            try await jobs.enqueue(Probe(name: "once"))
            let stalled = try #require(try await jobs.claim(kinds: [Probe.kind]))
            world.clock.advance(seconds: JobQueue.leaseSeconds + 1)
            let current = try #require(try await jobs.claim(kinds: [Probe.kind]))
            #expect(current.id == stalled.id && current.attempts == stalled.attempts + 1)

            let stalledContext = JobContext(storage: world.storage, logger: Logger(label: "test"), claim: stalled, outcome: JobOutcomeBox())
            await #expect(throws: JobLeaseLost.self) {
                try await world.storage.database.transaction { tx in
                    try await tx.execute("INSERT INTO server_keys (name, value) VALUES ('overtaken work', 'done')")
                    try await stalledContext.finish(in: tx)
                }
            }
            #expect(try await world.storage.database.query("SELECT 1 FROM server_keys WHERE name = 'overtaken work'").isEmpty)
            try await jobs.renew(stalled)
            try await jobs.retry(stalled, error: "late")
            #expect(try await jobs.list(setAside: false).first?.leasedUntil == world.clock.now / 1000 + JobQueue.leaseSeconds, "untouched")

            let currentContext = JobContext(storage: world.storage, logger: Logger(label: "test"), claim: current, outcome: JobOutcomeBox())
            try await world.storage.database.transaction { tx in try await currentContext.finish(in: tx) }
            #expect(try await jobs.pendingCount() == 0)
        }
    }

    @Test(arguments: Engine.available)
    func theUpkeepIsOneJobThatRunsAgainEveryTenMinutes(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let jobs = world.storage.jobs
            // Two servers starting: one job between them.
            async let first: Void = jobs.enqueue(UpkeepJob())
            async let second: Void = jobs.enqueue(UpkeepJob())
            _ = try await (first, second)
            let worker = JobWorker(storage: world.storage, logger: Logger(label: "test"))
            #expect(try await worker.drain() == 1)
            let waiting = try await jobs.list(setAside: false)
            #expect(waiting.map(\.kind) == [UpkeepJob.kind])
            #expect(waiting.first?.runAt == world.clock.now / 1000 + UpkeepJob.interval)
            try await jobs.enqueue(UpkeepJob())
            #expect(try await worker.drain() == 0, "a server starting later does not bring it forward")
            world.clock.advance(seconds: UpkeepJob.interval)
            #expect(try await worker.drain() == 1)
        }
    }

    @Test(arguments: Engine.available)
    func theWorkerSleepsOnTheClockAndTheDoorbellAndRenewsTheLeaseOfALongJob(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let started = Mutex(0)
            let release = Mutex<CheckedContinuation<Void, Never>?>(nil)
            let log = Log()
            var registry = Self.registry(log, concurrency: 1)
            registry.register(LongProbe.self) { _, _ in
                started.withLock { $0 += 1 }
                await withCheckedContinuation { continuation in release.withLock { $0 = continuation } }
            }
            let worker = JobWorker(storage: world.storage, registry: registry, logger: Logger(label: "test"))
            let running = Task { await worker.run() }
            defer { running.cancel() }
            // Idle, it waits for the clock (the longest sleep) and the doorbell: a timer, no claims.
            #expect(try await eventually { world.clock.sleeping == 1 })
            try await world.storage.jobs.enqueue(Probe(name: "rung"))
            #expect(try await eventually { log.runs.withLock { $0 } == ["rung"] })
            // A job due later runs when the clock reaches it, not before.
            try await world.storage.jobs.enqueue(Probe(name: "later"), runAt: world.clock.now / 1000 + 120)
            #expect(try await eventually { world.clock.sleeping == 1 })
            world.clock.advance(seconds: 119)
            #expect(try await eventually { world.clock.sleeping == 1 } && log.runs.withLock { $0 } == ["rung"])
            world.clock.advance(seconds: 1)
            #expect(try await eventually { log.runs.withLock { $0 } == ["rung", "later"] })

            // A job that runs past its lease keeps it: another worker cannot take it over.
            try await world.storage.jobs.enqueue(LongProbe())
            #expect(try await eventually { started.withLock { $0 } == 1 && release.withLock { $0 != nil } })
            for _ in 0..<4 {
                let before = try await Self.leasedUntil(LongProbe.kind, in: world)
                // The worker's own timer and the job's lease timer are both set before the clock moves.
                #expect(try await eventually { world.clock.sleeping == 2 })
                world.clock.advance(seconds: JobQueue.leaseSeconds / 3 + 1)
                #expect(try await eventually { try await Self.leasedUntil(LongProbe.kind, in: world) > before })
            }
            #expect(try await world.storage.jobs.claim(kinds: [LongProbe.kind]) == nil)
            release.withLock { $0 }?.resume()
            #expect(try await eventually { try await world.storage.jobs.pendingCount() == 0 })
            #expect(started.withLock { $0 } == 1)
        }
    }

    /// The worker's wait: a timer that ends first must end the wait (it once waited on for a ring that could come
    /// too late to be seen, and a worker slept through a job that was due), a ring before the wait is kept for it,
    /// and one ring wakes every waiter.
    @Test(.timeLimit(.minutes(5)))
    func theDoorbellsWaitEndsByItsTimerOrARingWhicheverComesFirst() async throws {
        let doorbell = Doorbell()
        for _ in 0..<200 { await doorbell.wait(orUntil: {}) }
        doorbell.ring()
        await doorbell.wait(orUntil: { try? await Task.sleep(for: .seconds(3600)) })
        // Both waiters are woken by rings alone (their timers are an hour on the real clock).
        let ringing = Task {
            while !Task.isCancelled {
                doorbell.ring()
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        defer { ringing.cancel() }
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<2 { group.addTask { await doorbell.wait(orUntil: { try? await Task.sleep(for: .seconds(3600)) }) } }
        }
    }

    struct LongProbe: BackgroundJob {
        static let kind = "long-probe"
    }

    static func leasedUntil(_ kind: String, in world: TestWorld) async throws -> Int64 {
        try await world.storage.database.query("SELECT leased_until FROM jobs WHERE kind = \(kind)").scalarInt() ?? 0
    }
}

/// Migration 23 carries the real-time outbox's waiting work into the queue: media events become announce jobs and
/// every callback with notifications waiting gets its delivery job.
@Suite struct JobSystemMigrationTests {
    @Test(arguments: Engine.available)
    func waitingEventsAndNotificationsBecomeJobs(engine: Engine) async throws {
        try await TestWorld.with(engine, schemaVersion: 22) { world in
            let database = world.storage.database
            try await database.execute("INSERT INTO media_events (id, media_id, created_at) VALUES (11, 501, 1700000000)")
            for (id, callback, delivered) in [
                (21, "https://a.example/cb?x=\"q\"", false), (22, "https://a.example/cb?x=\"q\"", false),
                (23, "https://b.example/cb", true),
            ] {
                try await database.execute(
                    """
                    INSERT INTO notifications (id, subscription_id, client_ref, callback_url, object, object_id, media_id, created_at,
                                               next_attempt_at, delivered_at)
                    VALUES (\(Int64(id)), 1, 7, \(callback), 'tag', 'sun', 501, 1700000000, 1700000000, \(delivered ? 1_700_000_001 : nil))
                    """
                )
            }
            // Up to this migration only: the next removes these notifications, whose media and client never existed.
            try await Migrator(database: database).migrate(nowSeconds: 1_700_000_100, upTo: 23)
            let jobs = try await world.storage.jobs.list(setAside: false)
            #expect(jobs.map(\.kind).sorted() == [AnnounceMediaJob.kind, DeliverNotificationsJob.kind])
            let announce = try JSONDecoder().decode(
                AnnounceMediaJob.self,
                from: Data(try #require(jobs.first { $0.kind == AnnounceMediaJob.kind }).payload.utf8)
            )
            #expect(announce.media == 501 && announce.time == 1_700_000_000)
            let delivery = try #require(jobs.first { $0.kind == DeliverNotificationsJob.kind })
            let decoded = try JSONDecoder().decode(DeliverNotificationsJob.self, from: Data(delivery.payload.utf8))
            #expect(decoded.client == 7 && decoded.callback == "https://a.example/cb?x=\"q\"" && delivery.key == decoded.key)
            #expect(try await database.query("SELECT count(*) FROM notifications").scalarInt() == 3, "the record stays")
        }
    }
}
