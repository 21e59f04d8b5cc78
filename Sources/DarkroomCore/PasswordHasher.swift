import HummingbirdBcrypt

/// Passwords are stored only as salted bcrypt hashes.
public enum PasswordHasher {
    /// bcrypt truncates at 72 bytes; longer passwords are refused rather than silently cut.
    public static func hash(_ password: String, cost: UInt8 = 11) throws(APIError) -> String {
        guard password.utf8.count >= 6 else { throw .invalidParameter("password", "at least 6 characters") }
        guard password.utf8.count <= 72 else { throw .invalidParameter("password", "at most 72 bytes") }
        return Bcrypt.hash(password, cost: cost)
    }

    public static func verify(_ password: String, hash: String) -> Bool {
        guard password.utf8.count <= 72 else { return false }
        return Bcrypt.verify(password, hash: hash)
    }
}
