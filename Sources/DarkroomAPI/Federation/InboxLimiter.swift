import Synchronization

/// How many activities one server may deliver to this process's inboxes in a minute (`perMinute`); past it, 429 with
/// `Retry-After` until its minute ends. Counted per process in memory, by fixed minute windows: an inbox is cheap to
/// refuse and a well-behaved server retries, so a per-node bound is enough to keep one server from crowding out the
/// rest. Hand-written because the API's limiter counts per token and hour in the database, a round trip too many here.
final class InboxLimiter: Sendable {
    let perMinute: Int
    private let windows = Mutex<(minute: Int64, counts: [String: Int])>((0, [:]))

    init(perMinute: Int) {
        self.perMinute = perMinute
    }

    /// Counts one request from `host` at `now` (unix seconds); the seconds to wait when it is over the limit.
    func admit(_ host: String, now: Int64) -> Int64? {
        let minute = now / 60
        return windows.withLock { state in
            if state.minute != minute { state = (minute, [:]) }
            let count = state.counts[host, default: 0] + 1
            state.counts[host] = count
            return count > perMinute ? (minute + 1) * 60 - now : nil
        }
    }
}
