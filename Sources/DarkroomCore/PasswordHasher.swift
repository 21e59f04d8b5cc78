import Dispatch
import HummingbirdBcrypt

/// Passwords are stored only as salted bcrypt hashes.
///
/// bcrypt spends tens of milliseconds of CPU by design, so the work runs on Dispatch's pool: on a thread that serves
/// requests it would stall every connection that thread carries.
public enum PasswordHasher {
    /// bcrypt truncates at 72 bytes; longer passwords are refused rather than silently cut. (What a new password must
    /// be is `PasswordPolicy`'s to say.)
    public static func hash(_ password: String, cost: UInt8 = 11) async throws(DomainError) -> String {
        guard !password.isEmpty else { throw .missingInput(field: "password") }
        guard password.utf8.count <= 72 else { throw .invalidInput(field: "password", reason: "at most 72 bytes") }
        return await offRequestThreads { Bcrypt.hash(password, cost: cost) }
    }

    public static func verify(_ password: String, hash: String) async -> Bool {
        guard password.utf8.count <= 72 else { return false }
        return await offRequestThreads { Bcrypt.verify(password, hash: hash) }
    }

    /// Costs what a verification costs, for a username that does not exist: timing must not tell which ones do.
    public static func verifyNothing(_ password: String) async {
        _ = await verify(password, hash: decoyHash)
    }

    private static let decoyHash = Bcrypt.hash("no such user's password", cost: 11)

    private static func offRequestThreads<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(returning: work()) }
        }
    }
}
