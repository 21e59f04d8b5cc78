import Foundation
import Testing

/// Runs a suite's tests on threads of their own rather than the process's cooperative ones (one per core). Suites that
/// encode and decode photos synchronously for seconds at a time held both of those threads at the start of a full
/// parallel run — a probe there woke 33 s late, 13.5 s with the three HEIF suites skipped — and tests that wait in real
/// time (the database outage, callbacks) waited behind them. On these threads the system shares the cores instead.
struct OffCooperativePool: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(
        for test: Test,
        testCase: Test.Case?,
        performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withTaskExecutorPreference(HeavyWorkExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OffCooperativePool {
    static var offCooperativePool: Self { OffCooperativePool() }
}

/// A task executor on a concurrent dispatch queue: its jobs run on threads apart from the cooperative pool, whose
/// queue a long synchronous job holds up until it returns.
final class HeavyWorkExecutor: TaskExecutor {
    static let shared = HeavyWorkExecutor()
    private let queue = DispatchQueue(label: "darkroom.tests.heavy-work", attributes: .concurrent)

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
