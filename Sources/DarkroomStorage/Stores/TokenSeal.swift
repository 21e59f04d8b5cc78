import Crypto
import DarkroomCore
import Foundation

/// Sealed copies of access tokens (AES-GCM), so that a new grant for the same person, app and scopes hands back the
/// token the app already holds, as the 2013 service did, instead of piling up another. The database still finds a
/// token by its hash alone; the key is a file in the data directory (`keys/token-seal`, the owner's alone), outside
/// the database and its backups, so a copy of the database gives no live token. Where the key is missing or another
/// (a restored backup, a machine without the file), a grant simply mints a new token.
public struct TokenSeal: Sendable {
    let key: SymmetricKey

    public init(key: SymmetricKey) { self.key = key }

    /// The data directory's key, made on first use.
    public static func load(dataDirectory: String, environment: SystemEnvironment) throws -> TokenSeal {
        let folder = dataDirectory + "/keys"
        let path = folder + "/token-seal"
        if let existing = FileManager.default.contents(atPath: path), existing.count == 32 { return TokenSeal(key: SymmetricKey(data: existing)) }
        try FileSystem.makeDirectory(folder)
        let partial = folder + "/.token-seal-\(environment.randomHex(bytes: 8))"
        try FileSystem.writeDurably(environment.randomBytes(32), to: partial)
        // Two processes starting at once: the first rename wins, and both read what it left.
        if link(partial, path) != 0 && errno != EEXIST { throw FileSystem.Failure(operation: "link", path: path, code: errno) }
        unlink(partial)
        guard let written = FileManager.default.contents(atPath: path), written.count == 32 else {
            throw FileSystem.Failure(operation: "read", path: path, code: EIO)
        }
        return TokenSeal(key: SymmetricKey(data: written))
    }

    /// The token sealed to its row (`id`), base64.
    func seal(_ token: String, id: Int64) -> String? {
        try? AES.GCM.seal(Array(token.utf8), using: key, authenticating: Array("access-token \(id)".utf8)).combined?.base64EncodedString()
    }

    /// The token, when this key sealed it for this row.
    func open(_ sealed: String, id: Int64) -> String? {
        guard let data = Data(base64Encoded: sealed), let box = try? AES.GCM.SealedBox(combined: data),
            let plain = try? AES.GCM.open(box, using: key, authenticating: Array("access-token \(id)".utf8))
        else { return nil }
        return String(decoding: plain, as: UTF8.self)
    }
}
