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
        // Every call counts, refused ones too (as on the platform), so hammering while limited does not help.
        let toSync: Int64? = buckets.withLock { buckets in
            var bucket = buckets[key].flatMap { $0.window == window ? $0 : nil } ?? Bucket(window: window)
            defer { buckets[key] = bucket }
            bucket.pending += 1
            guard bucket.syncedAt.map({ now - $0 >= syncMilliseconds }) ?? true else { return nil }
            let flushed = bucket.pending
            bucket.pending = 0
            bucket.syncedAt = now
            return flushed
        }
        if let flushed = toSync {
            let totals = try await store.add(flushed, to: key, window: window, previousWindow: window - 3600)
            buckets.withLock { buckets in
                guard buckets[key]?.window == window else { return }
                buckets[key]?.shared = totals.current
                buckets[key]?.previous = totals.previous
            }
        }
        let bucket = buckets.withLock { $0[key] } ?? Bucket(window: window)
        let elapsed = Double(now - window * 1000) / 3_600_000
        let used = Int64((Double(bucket.previous) * (1 - elapsed)).rounded(.up)) + bucket.shared + bucket.pending
        return Decision(limit: limit, remaining: Int(max(0, Int64(limit) - used)), allowed: used <= Int64(limit))
    }
}
