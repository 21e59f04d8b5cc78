import DarkroomCore
import Synchronization

/// Failed password attempts per address, on the log-in page and the password grant: after `limit` failures within
/// `window` seconds, that address is refused (429) until the oldest falls out of the window. Counted in this process
/// only: a password guesser spread over several processes gets `limit` tries on each.
final class LoginThrottle: Sendable {
    let limit: Int
    let window: Int64
    private let clock: @Sendable () -> Int64
    private let failures = Mutex<[String: [Int64]]>([:])

    init(limit: Int = 25, window: Int64 = 300, environment: SystemEnvironment) {
        self.limit = limit
        self.window = window
        clock = { environment.nowSeconds }
    }

    func isBlocked(_ address: String) -> Bool {
        let now = clock()
        return failures.withLock { failures in
            let recent = (failures[address] ?? []).filter { $0 > now - window }
            failures[address] = recent.isEmpty ? nil : recent
            return recent.count >= limit
        }
    }

    func recordFailure(_ address: String) {
        let now = clock()
        failures.withLock { failures in
            if failures.count > 100_000 { failures.removeAll() }
            failures[address, default: []].append(now)
        }
    }
}
