import DarkroomCore
import NIOPosix

/// Rendition and profile-picture files, kept in the data directory beside the database.
///
/// A set of files is written into a private staging folder, flushed to disk, and moved into place with one rename,
/// before the database row that names it commits: so a row never names a missing file. A crash between the rename and
/// the commit leaves a folder no row names; `sweep` removes those, and anything left in staging.
public struct MediaFiles: Sendable {
    /// Served as `/media/…` (or from a CDN that mirrors it).
    public let root: String
    /// The data directory the media folder is in (data exports live beside it).
    public let dataDirectory: String
    private let staging: String
    private let environment: SystemEnvironment

    public init(dataDirectory: String, environment: SystemEnvironment) throws {
        self.dataDirectory = dataDirectory
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

    /// Writes the named files under a new random key (`m/ab/ab…`), durably, and returns the key. `moving` files already
    /// written elsewhere in the data directory (a video's renditions) are moved in beside them, by name.
    public func store(_ files: [(name: String, bytes: [UInt8])], moving: [(name: String, path: String)] = [], kind: Kind) throws -> String {
        let token = environment.randomHex(bytes: 16)
        let key = "\(kind.rawValue)/\(token.prefix(2))/\(token)"
        let stage = staging + "/" + token
        try FileSystem.makeDirectory(stage)
        do {
            for file in files { try FileSystem.writeDurably(file.bytes, to: stage + "/" + file.name) }
            for file in moving {
                try FileSystem.rename(file.path, to: stage + "/" + file.name)
                try FileSystem.flush(stage + "/" + file.name)
            }
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

    private static let scratchPrefix = "work-"

    /// A new empty folder in staging for work that makes files (a transcode), removed by the sweep if left behind.
    public func scratchFolder() throws -> String {
        let folder = staging + "/" + Self.scratchPrefix + environment.randomHex(bytes: 16)
        try FileSystem.makeDirectory(folder)
        return folder
    }

    /// Blocking file-system work (unlinks, directory listings) runs here, never on the event loops that serve requests.
    private static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        return pool
    }()

    private static func offLoop<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        (try? await threads.runIfActive(work)) ?? work()
    }

    /// Removes a key's files; a key that is not one this store made is ignored.
    public func remove(_ key: String) async {
        guard Self.isKey(key) else { return }
        let folder = root + "/" + key
        await Self.offLoop { FileSystem.removeTree(folder) }
    }

    /// Whether uploads can be stored: a probe file can be created (and removed) in staging and in the media folder.
    public func isWritable() async -> Bool {
        let probe = ".ready-probe-" + environment.randomHex(bytes: 8)
        return await Self.offLoop { [staging, root] in
            FileSystem.canCreate(probe, in: staging) && FileSystem.canCreate(probe, in: root)
        }
    }

    /// The file a key and a name stand for, if it exists.
    public func path(_ key: String, _ name: String) -> String? {
        guard Self.isKey(key) else { return nil }
        let path = root + "/" + key + "/" + name
        return FileSystem.modifiedSeconds(path) == nil ? nil : path
    }

    /// Removes every stored key that `referenced` says no row names, and everything in staging, when older than
    /// `grace` seconds (younger ones may belong to an upload still committing, in this process or another).
    /// Works one shard folder at a time (a 256th of the keys), asking `referenced` about up to `batch` keys at once, so
    /// memory and the number of queries stay bounded whatever the number of photos. Returns how many were removed.
    @discardableResult
    public func sweep(olderThan grace: Int64, batch: Int = 500, referenced: ([String]) async throws -> Set<String>) async throws -> Int {
        let cutoff = environment.nowSeconds - grace
        let (root, staging) = (root, staging)
        var removed = await Self.offLoop {
            var removed = 0
            // A transcode's folder (`scratchFolder`) may be in use for as long as its time limit allows: it is given hours.
            for entry in FileSystem.list(staging)
            where FileSystem.modifiedSeconds(staging + "/" + entry) ?? 0 <= (entry.hasPrefix(Self.scratchPrefix) ? cutoff - 7200 : cutoff) {
                FileSystem.removeTree(staging + "/" + entry)
                removed += 1
            }
            return removed
        }
        for kind in Kind.allCases {
            let kindFolder = root + "/" + kind.rawValue
            for shard in await Self.offLoop({ FileSystem.list(kindFolder) }) {
                let old = await Self.offLoop {
                    FileSystem.list(kindFolder + "/" + shard).map { "\(kind.rawValue)/\(shard)/\($0)" }
                        .filter { Self.isKey($0) && FileSystem.modifiedSeconds(root + "/" + $0) ?? 0 <= cutoff }
                }
                var start = 0
                while start < old.count {
                    let keys = Array(old[start..<min(old.count, start + batch)])
                    start += batch
                    let named = try await referenced(keys)
                    for key in keys where !named.contains(key) {
                        await remove(key)
                        removed += 1
                    }
                }
            }
        }
        return removed
    }

    /// `m/ab/ab…` or `p/ab/ab…` with 32 lowercase hex digits: nothing else is ever joined to a path.
    public static func isKey(_ key: String) -> Bool {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, Kind(rawValue: String(parts[0])) != nil, parts[1].count == 2, parts[2].count == 32,
            parts[2].hasPrefix(parts[1])
        else { return false }
        return parts[2].utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
