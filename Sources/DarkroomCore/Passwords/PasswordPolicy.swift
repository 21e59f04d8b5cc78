/// What a new password must be (for sign-up and `darkroom user create`): at least 8 characters, at most the 72 bytes
/// bcrypt reads, not the username, and not one of the 10,000 most common passwords of that length (NIST SP 800-63B's
/// advice: a length floor and a blocklist, no composition rules).
public enum PasswordPolicy {
    public static let minimumLength = 8

    public static func check(_ password: String, username: String) throws(DomainError) {
        guard password.count >= minimumLength else { throw .invalidInput(field: "password", reason: "at least \(minimumLength) characters") }
        guard password.utf8.count <= 72 else { throw .invalidInput(field: "password", reason: "at most 72 bytes") }
        let folded = password.lowercased()
        guard folded != username.lowercased() else { throw .invalidInput(field: "password", reason: "must not be the username") }
        guard !common.contains(Substring(folded)) else {
            throw .invalidInput(field: "password", reason: "is one of the most common passwords; choose another")
        }
    }

    static let common: Set<Substring> = Set(commonList.split(separator: "\n"))
}
