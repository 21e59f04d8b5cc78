import DarkroomCore

/// Rendition and profile-picture files, kept in the data directory beside the database.
///
/// A set of files is written into a private staging folder, flushed to disk, and moved into place with one rename,
/// before the database row that names it commits: so a row never names a missing file. A crash between the rename and
/// the commit leaves a folder no row names; `sweep` removes those, and anything left in staging.
public struct MediaFiles: Sendable {
    /// Served as `/media/…` (or from a CDN that mirrors it).
    public let root: String
    private let staging: String
    private let environment: SystemEnvironment

    public init(dataDirectory: String, environment: SystemEnvironment) throws {
        root = dataDirectory + "/media"
        staging = dataDirectory + "/media-staging"
        self.environment = environment
        try FileSystem.makeDirectory(root)
        try FileSystem.makeDirectory(staging)
    }

    /// What a set of files is for: the first segment of its key.
    public enum Kind: String, Sendable, CaseIterable {
        case media = "m"
        case profilePicture = "p"
    }

    /// Writes the named files under a new random key (`m/ab/ab…`), durably, and returns the key.
    public func store(_ files: [(name: String, bytes: [UInt8])], kind: Kind) throws -> String {
        let token = environment.randomHex(bytes: 16)
        let key = "\(kind.rawValue)/\(token.prefix(2))/\(token)"
        let stage = staging + "/" + token
        try FileSystem.makeDirectory(stage)
        do {
            for file in files { try FileSystem.writeDurably(file.bytes, to: stage + "/" + file.name) }
            let parent = root + "/" + kind.rawValue + "/" + token.prefix(2)
            try FileSystem.makeDirectory(parent)
            try FileSystem.rename(stage, to: parent + "/" + token)
            FileSystem.syncDirectory(parent)
        } catch {
            FileSystem.removeTree(stage)
            throw error
        }
        return key
    }

    /// Removes a key's files; a key that is not one this store made is ignored.
    public func remove(_ key: String) {
        guard Self.isKey(key) else { return }
        FileSystem.removeTree(root + "/" + key)
    }

    /// The file a key and a name stand for, if it exists.
    public func path(_ key: String, _ name: String) -> String? {
        guard Self.isKey(key) else { return nil }
        let path = root + "/" + key + "/" + name
        return FileSystem.modifiedSeconds(path) == nil ? nil : path
    }

    /// Removes every stored key that `isReferenced` says no row names, and everything in staging, when older than
    /// `grace` seconds (younger ones may belong to an upload still committing, in this process or another).
    /// Returns how many were removed.
    @discardableResult
    public func sweep(olderThan grace: Int64, isReferenced: (String) async throws -> Bool) async throws -> Int {
        let cutoff = environment.nowSeconds - grace
        var removed = 0
        for entry in FileSystem.list(staging) where FileSystem.modifiedSeconds(staging + "/" + entry) ?? 0 <= cutoff {
            FileSystem.removeTree(staging + "/" + entry)
            removed += 1
        }
        for kind in Kind.allCases {
            let kindFolder = root + "/" + kind.rawValue
            for shard in FileSystem.list(kindFolder) {
                for token in FileSystem.list(kindFolder + "/" + shard) {
                    let key = "\(kind.rawValue)/\(shard)/\(token)"
                    guard Self.isKey(key), FileSystem.modifiedSeconds(root + "/" + key) ?? 0 <= cutoff else { continue }
                    if try await !isReferenced(key) {
                        remove(key)
                        removed += 1
                    }
                }
            }
        }
        return removed
    }

    /// `m/ab/ab…` or `p/ab/ab…` with 32 lowercase hex digits: nothing else is ever joined to a path.
    static func isKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, Kind(rawValue: String(parts[0])) != nil, parts[1].count == 2, parts[2].count == 32,
            parts[2].hasPrefix(parts[1])
        else { return false }
        return parts[2].utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
