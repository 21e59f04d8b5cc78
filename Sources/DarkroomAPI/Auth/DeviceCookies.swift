import Crypto
import DarkroomCore

/// Device cookies, as OWASP's guidance on blocking brute force describes them: a browser that has signed in to an
/// account keeps a signed note of it, and its log-ins to that account are limited on their own, never by the
/// per-account lock-out that strangers' wrong passwords cause. So anyone can slow a guesser down, but nobody can keep
/// an account's owner out of a browser they have used before.
///
/// The cookie holds up to `kept` entries (accounts signed in to from this browser), each `nonce.mac` where the mac is an
/// HMAC-SHA256 of the lowercased username and the nonce under a key derived from the server's own secret; the
/// username itself is not in the cookie, so it names no one.
struct DeviceCookies: Sendable {
    static let name = "dr_device"
    static let lifetime: Int64 = 180 * 86_400
    static let kept = 5
    private let key: SymmetricKey
    private let environment: SystemEnvironment

    init(serverSecret: String, environment: SystemEnvironment) {
        // A key of its own, so a device cookie's mac is never also a valid signature of something else.
        key = SymmetricKey(
            data: HMAC<SHA256>.authenticationCode(for: Array("device cookies".utf8), using: SymmetricKey(data: Array(serverSecret.utf8)))
        )
        self.environment = environment
    }

    /// The device the cookie proves for `username`: its nonce (which names its failure counter), or nil.
    func device(in cookie: String?, for username: String) -> String? {
        guard let cookie, !username.isEmpty else { return nil }
        for entry in cookie.split(separator: "-").prefix(Self.kept) {
            let parts = entry.split(separator: ".")
            guard parts.count == 2, parts[0].utf8.count == 32, ConstantTime.equal(String(parts[1]), mac(String(parts[0]), username)) else { continue }
            return String(parts[0])
        }
        return nil
    }

    /// The cookie's value after `username` signed in: a new entry first, then up to `kept - 1` of the others.
    func after(signingIn username: String, existing cookie: String?) -> String {
        let nonce = device(in: cookie, for: username) ?? environment.randomHex(bytes: 16)
        let entry = nonce + "." + mac(nonce, username)
        let others = (cookie ?? "").split(separator: "-").map(String.init).filter { $0 != entry && $0.utf8.count < 120 }
        return ([entry] + others.prefix(Self.kept - 1)).joined(separator: "-")
    }

    private func mac(_ nonce: String, _ username: String) -> String {
        Hex.encode(HMAC<SHA256>.authenticationCode(for: Array("\(username.lowercased()) \(nonce)".utf8), using: key))
    }
}
