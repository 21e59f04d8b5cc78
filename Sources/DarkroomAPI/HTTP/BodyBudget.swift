import Synchronization

/// The bytes of request bodies this process holds at once, bounded: a burst of large uploads waits its turn as 503s
/// with `Retry-After` instead of growing memory without limit. A body reserves what it declares (or its limit, when it
/// declares nothing) before it is read, and releases it once it is parsed.
final class BodyBudget: Sendable {
    let capacity: Int
    private let inFlight = Mutex(0)

    init(capacity: Int) { self.capacity = capacity }

    struct Reservation {
        fileprivate let bytes: Int
    }

    /// Room for `bytes` more, or nil when the budget is spent.
    func reserve(_ bytes: Int) -> Reservation? {
        inFlight.withLock { used in
            guard used + bytes <= capacity else { return nil }
            used += bytes
            return Reservation(bytes: bytes)
        }
    }

    func release(_ reservation: Reservation) {
        inFlight.withLock { $0 -= reservation.bytes }
    }

    var used: Int { inFlight.withLock { $0 } }
}
