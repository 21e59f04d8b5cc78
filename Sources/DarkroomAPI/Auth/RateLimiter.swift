import DarkroomCore
import DarkroomStorage
import Synchronization

/// Calls per hour per token, and per client for calls made with a client_id alone, in a sliding window: the current
/// hour's count plus the previous hour's, weighted by how much of it still lies within the last sixty minutes.
///
/// Counts live in the database so that every server process shares them. Each process counts locally and adds its
/// count to the database at most every `syncInterval` per bucket (and when the hour turns), reading back the total
/// all processes made; so a request costs no write, and processes see each other's calls within that interval.
final class RateLimiter: Sendable {
    struct Decision: Sendable {
        var limit: Int
        var remaining: Int
        var allowed: Bool
    }

    let perToken: Int
    let perClient: Int
    private let syncMilliseconds: Int64
    private let store: RateLimitStore
    private let environment: SystemEnvironment
    private let buckets = Mutex<[String: Bucket]>([:])

    private struct Bucket {
        var window: Int64
        /// All processes' count for the window, as of the last sync.
        var shared: Int64 = 0
        var previous: Int64 = 0
        /// Calls counted here since the last sync.
        var pending: Int64 = 0
        var syncedAt: Int64?
    }

    init(perToken: Int, perClient: Int, syncInterval: Duration, store: RateLimitStore, environment: SystemEnvironment) {
        self.perToken = perToken
        self.perClient = perClient
        syncMilliseconds = syncInterval.components.seconds * 1000 + syncInterval.components.attoseconds / 1_000_000_000_000_000
        self.store = store
        self.environment = environment
    }

    /// Counts a call by `caller` and says whether it may go ahead.
    func hit(_ caller: Caller) async throws -> Decision {
        let (key, limit) = switch caller {
        case .user(let grant): ("token:\(grant.tokenID)", perToken)
        case .app(let client): ("client:\(client.ref)", perClient)
        }
        let now = environment.nowMilliseconds()
        let window = now / 3_600_000 * 3600
        let toSync: Int64? = buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(window: window)
            defer { buckets[key] = bucket }
            guard bucket.window != window || bucket.syncedAt.map({ now - $0 >= syncMilliseconds }) ?? true else { return nil }
            let flushed = bucket.window == window ? bucket.pending : 0
            bucket.pending -= flushed
            bucket.syncedAt = now
            return flushed
        }
        if let flushed = toSync {
            let totals = try await store.add(flushed, to: key, window: window, previousWindow: window - 3600)
            buckets.withLock { buckets in
                if buckets[key]?.window != window { buckets[key] = Bucket(window: window, syncedAt: now) }
                buckets[key]?.shared = totals.current
                buckets[key]?.previous = totals.previous
            }
        }
        return buckets.withLock { buckets -> Decision in
            guard var bucket = buckets[key] else { return Decision(limit: limit, remaining: limit, allowed: true) }
            let elapsed = Double(now - window * 1000) / 3_600_000
            let used = Int64((Double(bucket.previous) * (1 - elapsed)).rounded(.up)) + bucket.shared + bucket.pending
            guard used < Int64(limit) else { return Decision(limit: limit, remaining: 0, allowed: false) }
            bucket.pending += 1
            buckets[key] = bucket
            return Decision(limit: limit, remaining: Int(Int64(limit) - used - 1), allowed: true)
        }
    }
}
