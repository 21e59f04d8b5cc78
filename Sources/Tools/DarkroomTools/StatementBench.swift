import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation
import Synchronization

/// The data layer alone, without HTTP: the feed's statement (as `/users/self/feed` runs it) and a trivial one, from
/// concurrent tasks, with the CPU each costs this process and the database server. On PostgreSQL the difference
/// between the two is what a round trip costs; against SQLite, the engine itself.
struct StatementBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "statements",
        abstract: "Measure the feed's statement and a trivial one through the data layer: calls/s and CPU per call."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "Seconds per measurement.") var duration = 5
    @Option(help: "Concurrent callers.") var concurrency = 32
    @Option(help: "Distinct viewers the feed rotates over.") var viewers = 1000

    func run() async throws {
        try await storage.withStorage { opened in
            let ids = try await opened.database.query(
                """
                SELECT id FROM users WHERE follows_count BETWEEN 10 AND 1000 ORDER BY id LIMIT \(viewers)
                """
            ).decode { try $0.id(UserID.self) }
            guard !ids.isEmpty else { throw ValidationError("no users to measure with: run `darkroom seed` first") }
            var report: [String: Any] = ["database": opened.database.displayName, "concurrency": concurrency, "machine": machineDescription()]
            let database = opened.database
            let feed = opened.feed
            report["select_1"] = try await measure { _ in _ = try await database.lookup("SELECT 1") }
            if database.engine == .postgres {
                // A page's worth of rows the server makes up without reading a table: what rows cost the client by themselves.
                report["rows_21"] = try await measure { index in
                    _ = try await database.lookup("SELECT g, g + \(index % 7), g % 2 = 0 FROM generate_series(1, 21) AS g")
                }
            }
            report["feed_page"] = try await measure { index in
                _ = try await feed.page(of: ids[index % ids.count], MediaPageRequest(count: 20))
            }
            try printJSON(report)
        }
    }

    /// Runs `call` from `concurrency` tasks for `duration` seconds (after a second's warm-up) and reports the rate and
    /// the CPU per call of this process and of every other program that worked meanwhile.
    private func measure(_ call: @escaping @Sendable (Int) async throws -> Void) async throws -> [String: Any] {
        _ = try await run(call, seconds: 1)
        let before = ProgramCPU.snapshot()
        let ownBefore = processCPUSeconds()
        let calls = try await run(call, seconds: duration)
        let own = processCPUSeconds() - ownBefore
        var others = ProgramCPU.microsecondsPerRequest(from: before, to: ProgramCPU.snapshot(), requests: Double(calls))
        others["wrk"] = nil
        return [
            "calls_per_second": Int(Double(calls) / Double(duration)),
            "this_process_cpu_us_per_call": (own * 1e6 / Double(max(calls, 1))).rounded(),
            "other_programs_cpu_us_per_call": others,
        ]
    }

    private func run(_ call: @escaping @Sendable (Int) async throws -> Void, seconds: Int) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(seconds)
        let counter = CallCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while ContinuousClock.now < deadline {
                        let index = counter.calls.add(1, ordering: .relaxed).newValue
                        try await call(index)
                    }
                }
            }
            try await group.waitForAll()
        }
        return counter.calls.load(ordering: .relaxed)
    }
}

private final class CallCounter: Sendable {
    let calls = Atomic<Int>(0)
}
