import DarkroomCore
import DarkroomStorage

/// Password guessing and sign-up floods, limited where every server process sees them (counts in the database):
/// - failed passwords per address: after 25 within about five minutes, that address is refused;
/// - failed passwords per account, from all addresses: after 10 within about fifteen minutes, log-ins to that account
///   are refused for what remains of the window — slowing a guesser that spreads over many addresses to about 40 tries
///   an hour, while a stranger who fails on purpose keeps the owner out for minutes, not for good;
/// - failed passwords from a browser that has signed in to the account before (its `DeviceCookies` entry): 10 within
///   about fifteen minutes for that browser alone. Such a browser is never held by the address or account limits, so
///   a stranger failing on purpose cannot keep the owner out of a browser they use;
/// - sign-ups per address: 5 within about thirty minutes (Mastodon's figure);
/// - password-reset mails: 3 an hour to one email address, 5 an hour for one account, 10 an hour asked from one
///   network address. Past them the page answers as always, and nothing is sent.
/// A refusal is the same answer whether or not the password was right, and whether or not the account exists: the
/// password is not even checked.
struct LoginThrottle: Sendable {
    /// One sliding-window counter: this window's count plus the previous one's, weighted by how much of it is recent.
    struct Counter: Sendable {
        let prefix: String
        let limit: Int
        let window: Int64

        func isBlocked(_ key: String, store: RateLimitStore, now: Int64) async throws -> Bool {
            let start = now / window * window
            let totals = try await store.totals("\(prefix):\(key)", window: start, previousWindow: start - window)
            let stillRecent = 1 - Double(now - start) / Double(window)
            return Double(totals.current) + Double(totals.previous) * stillRecent >= Double(limit)
        }

        func record(_ key: String, store: RateLimitStore, now: Int64) async throws {
            _ = try await store.add([("\(prefix):\(key)", 1)], window: now / window * window)
        }
    }

    let byAddress = Counter(prefix: "login-failures", limit: 25, window: 300)
    let byAccount = Counter(prefix: "login-failures-account", limit: 10, window: 900)
    let byDevice = Counter(prefix: "login-failures-device", limit: 10, window: 900)
    let signUps = Counter(prefix: "sign-ups", limit: 5, window: 1800)
    let resetsToEmail = Counter(prefix: "resets-email", limit: 3, window: 3600)
    let resetsOfAccount = Counter(prefix: "resets-account", limit: 5, window: 3600)
    let resetsFromAddress = Counter(prefix: "resets-from", limit: 10, window: 3600)
    let store: RateLimitStore
    let environment: SystemEnvironment

    /// Whether a log-in from `address` to `username` must be refused before its password is looked at; `device`, the
    /// browser's device nonce for this account when it has signed in to it before.
    func isBlocked(address: String, username: String, device: String? = nil) async throws -> Bool {
        let now = environment.nowSeconds
        if let device { return try await byDevice.isBlocked(device, store: store, now: now) }
        if try await byAddress.isBlocked(address, store: store, now: now) { return true }
        return try await byAccount.isBlocked(username.lowercased(), store: store, now: now)
    }

    func recordFailure(address: String, username: String, device: String? = nil) async throws {
        let now = environment.nowSeconds
        if let device {
            try await byDevice.record(device, store: store, now: now)
            return
        }
        try await byAddress.record(address, store: store, now: now)
        try await byAccount.record(username.lowercased(), store: store, now: now)
    }

    func mayCreateAccount(from address: String) async throws -> Bool {
        try await !signUps.isBlocked(address, store: store, now: environment.nowSeconds)
    }

    func recordAccountCreated(from address: String) async throws {
        try await signUps.record(address, store: store, now: environment.nowSeconds)
    }

    /// Counts a reset asked for `email` from `address`; false when a limit is past and nothing may be sent.
    func mayMailReset(to email: String, from address: String) async throws -> Bool {
        let now = environment.nowSeconds
        let key = email.lowercased()
        guard try await !resetsFromAddress.isBlocked(address, store: store, now: now), try await !resetsToEmail.isBlocked(key, store: store, now: now)
        else { return false }
        try await resetsFromAddress.record(address, store: store, now: now)
        try await resetsToEmail.record(key, store: store, now: now)
        return true
    }

    /// Counts a reset mailed for an account; false when the account has had its limit this hour.
    func mayMailReset(ofAccount user: UserID) async throws -> Bool {
        let now = environment.nowSeconds
        guard try await !resetsOfAccount.isBlocked("\(user)", store: store, now: now) else { return false }
        try await resetsOfAccount.record("\(user)", store: store, now: now)
        return true
    }
}
