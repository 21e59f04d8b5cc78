import DarkroomCore
import DarkroomStorage
import Logging
import ServiceLifecycle
import Synchronization

/// Calls per hour per token, and per client for calls made with a client_id alone, in a sliding window: the current
/// hour's count plus the previous hour's, weighted by how much of it still lies within the last sixty minutes.
///
/// Counts live in the database so that every server process shares them. A process reads a bucket's shared totals the
/// first time it sees it in an hour, then counts locally; `flush` (run every `flushInterval` by `RateLimitFlusher`)
/// adds every bucket's local count to the database in one transaction and reads back the totals all processes made.
/// So a call costs no write, and processes see each other's calls within one interval. With a zero interval every
/// call is written through at once.
final class RateLimiter: Sendable {
    struct Decision: Sendable {
        var limit: Int
        var remaining: Int
        var allowed: Bool
    }

    let perToken: Int
    let perClient: Int
    let flushInterval: Duration
    private let store: RateLimitStore
    private let environment: SystemEnvironment
    private let buckets = Mutex<[String: Bucket]>([:])

    private struct Bucket {
        var window: Int64
        /// All processes' count for the window, as of the last read or flush.
        var shared: Int64
        var previous: Int64
        /// Calls counted here and not yet added to the database.
        var pending: Int64 = 0
    }

    init(perToken: Int, perClient: Int, flushInterval: Duration, store: RateLimitStore, environment: SystemEnvironment) {
        self.perToken = perToken
        self.perClient = perClient
        self.flushInterval = flushInterval
        self.store = store
        self.environment = environment
    }

    /// Counts a call by `caller` (refused calls count too, as on the platform) and says whether it may go ahead.
    func hit(_ caller: Caller) async throws -> Decision {
        switch caller {
        case .user(let grant): try await hit(bucket: "token:\(grant.tokenID)", limit: perToken)
        case .app(let client): try await hit(bucket: "client:\(client.ref)", limit: perClient)
        }
    }

    /// Counts a call against any hourly bucket (the per-endpoint write limits use their own), shared across processes
    /// like the others.
    func hit(bucket key: String, limit: Int) async throws -> Decision {
        let now = environment.nowMilliseconds()
        let window = now / 3_600_000 * 3600
        var totals: (current: Int64, previous: Int64)?
        if buckets.withLock({ $0[key]?.window != window }) { totals = try await store.totals(key, window: window) }
        // Counted under one lock whatever happened meanwhile: a flush at the hour boundary may have dropped the bucket
        // read above, or another call may have made it; a missing one starts from what the database said (or zero).
        var bucket = buckets.withLock { buckets -> Bucket in
            var bucket =
                buckets[key].flatMap { $0.window == window ? $0 : nil }
                ?? Bucket(window: window, shared: totals?.current ?? 0, previous: totals?.previous ?? 0)
            bucket.pending += 1
            buckets[key] = bucket
            return bucket
        }
        if flushInterval == .zero {
            try await flush()
            bucket = buckets.withLock { $0[key] } ?? bucket
        }
        let elapsed = Double(now - window * 1000) / 3_600_000
        let used = Int64((Double(bucket.previous) * (1 - elapsed)).rounded(.up)) + bucket.shared + bucket.pending
        return Decision(limit: limit, remaining: Int(max(0, Int64(limit) - used)), allowed: used <= Int64(limit))
    }

    /// Adds every bucket's local count to the shared one, and learns what the other processes added.
    func flush() async throws {
        let window = environment.nowMilliseconds() / 3_600_000 * 3600
        let counts = buckets.withLock { buckets -> [(bucket: String, hits: Int64)] in
            var counts: [(bucket: String, hits: Int64)] = []
            for (key, bucket) in buckets {
                if bucket.window != window {
                    buckets[key] = nil
                } else if bucket.pending > 0 {
                    counts.append((key, bucket.pending))
                    // Counted as shared until the database answers, so no call slips through meanwhile.
                    buckets[key] = Bucket(window: bucket.window, shared: bucket.shared + bucket.pending, previous: bucket.previous)
                }
            }
            return counts
        }
        let totals = try await store.add(counts, window: window)
        buckets.withLock { buckets in
            for (key, total) in totals {
                guard var bucket = buckets[key], bucket.window == window else { continue }
                bucket.shared = max(bucket.shared, total)
                buckets[key] = bucket
            }
        }
    }
}

/// Runs `RateLimiter.flush` every interval for as long as the server runs, and once more when it stops.
struct RateLimitFlusher: Service {
    let limiter: RateLimiter
    let logger: Logger

    func run() async throws {
        guard limiter.flushInterval > .zero else { return }
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            // Woken early by a shutdown, so stopping never waits out an interval.
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: limiter.flushInterval) }
            do { try await limiter.flush() } catch { logger.error("rate-limit flush failed", metadata: ["error": "\(error)"]) }
        }
        try? await limiter.flush()
    }
}
