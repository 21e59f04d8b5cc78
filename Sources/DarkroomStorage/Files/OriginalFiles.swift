import Crypto
import DarkroomCore
import Foundation
import NIOPosix

/// Uploaded photos byte for byte, as their photographers sent them: in `originals/`, beside the served `media/`
/// folder and never under it, so no URL reaches one except the owner's download (`GET /v1/media/{id}/original`).
///
/// Content-addressed: a file is named by the SHA-256 of its bytes (`ab/ab…64 hex….heic`), so the same photo posted
/// twice is stored once, and a file never changes under its name. Written like renditions (staged, flushed, renamed
/// into place before the row that names it commits); a file no row names any more is removed by `sweep` once it is
/// older than the grace period — storing a file again refreshes its age, so an upload committing meanwhile keeps it.
public struct OriginalFiles: Sendable {
    public let root: String
    private let staging: String
    private let environment: SystemEnvironment

    /// The folders are made when the first original is stored.
    public init(dataDirectory: String, environment: SystemEnvironment) {
        root = dataDirectory + "/originals"
        staging = dataDirectory + "/media-staging"
        self.environment = environment
    }

    /// The key `bytes` are stored under: `ab/<sha256>.<extension>`.
    public static func key(of bytes: [UInt8], fileExtension: String) -> String {
        let digest = Hex.encode(SHA256.hash(data: bytes))
        return "\(digest.prefix(2))/\(digest).\(fileExtension)"
    }

    /// Stores `bytes` (if not already there) and answers their key (`key(of:fileExtension:)`).
    public func store(_ bytes: [UInt8], fileExtension: String) throws -> String {
        let key = Self.key(of: bytes, fileExtension: fileExtension)
        let digest = String(key.dropFirst(3).prefix { $0 != "." })
        guard Self.isKey(key) else { throw OriginalFileError.badExtension(fileExtension) }
        let destination = root + "/" + key
        if FileSystem.modifiedSeconds(destination) != nil {
            FileSystem.touch(destination)
            return key
        }
        let stage = staging + "/" + environment.randomHex(bytes: 16) + ".original"
        do {
            try FileSystem.makeDirectory(staging)
            try FileSystem.writeDurably(bytes, to: stage)
            try FileSystem.makeDirectory(root + "/" + digest.prefix(2))
            try FileSystem.rename(stage, to: destination)
            FileSystem.syncDirectory(root + "/" + digest.prefix(2))
        } catch {
            try? FileManager.default.removeItem(atPath: stage)
            throw error
        }
        return key
    }

    /// The file of a key, if it exists.
    public func path(_ key: String) -> String? {
        guard Self.isKey(key) else { return nil }
        let path = root + "/" + key
        return FileSystem.modifiedSeconds(path) == nil ? nil : path
    }

    /// Removes every original that `referenced` says no row names, once older than `grace` seconds; answers how many.
    @discardableResult
    public func sweep(olderThan grace: Int64, batch: Int = 500, referenced: ([String]) async throws -> Set<String>) async throws -> Int {
        let cutoff = environment.nowSeconds - grace
        var removed = 0
        for shard in FileSystem.list(root) {
            let old = FileSystem.list(root + "/" + shard).map { shard + "/" + $0 }
                .filter { Self.isKey($0) && FileSystem.modifiedSeconds(root + "/" + $0) ?? 0 <= cutoff }
            for start in stride(from: 0, to: old.count, by: batch) {
                let keys = Array(old[start..<min(old.count, start + batch)])
                let named = try await referenced(keys)
                for key in keys where !named.contains(key) {
                    try? FileManager.default.removeItem(atPath: root + "/" + key)
                    removed += 1
                }
            }
        }
        return removed
    }

    /// `ab/` + 64 lowercase hex digits starting `ab` + `.` + a short lowercase extension (letters and digits: `mp4`):
    /// nothing else is joined to a path.
    public static func isKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 2 else { return false }
        let name = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard name.count == 2, name[0].count == 64, name[0].hasPrefix(parts[0]), (1...4).contains(name[1].count),
            name[1].utf8.allSatisfy({ (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) })
        else { return false }
        return name[0].utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
