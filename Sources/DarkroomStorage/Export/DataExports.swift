import DarkroomCore
import Foundation

/// People's own data, as a zip they download once: asked for on the settings page or by `darkroom user export`,
/// built in the background by a `DataExportJob` (the page shows its progress), kept in `DATA/exports/` until its
/// owner downloads it — the file is unlinked as the download starts — or a week has passed.
public struct DataExports: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let files: MediaFiles
    let jobs: JobQueue

    /// How long a finished archive waits for its download.
    public static let lifetime: Int64 = 7 * 24 * 3600

    public enum State: String, Sendable, Codable {
        case queued, building, ready, downloaded, failed, expired
    }

    public struct Export: Sendable, Encodable {
        public var id: Int64
        public var state: State
        /// Photos written so far, of `total`.
        public var done: Int64
        public var total: Int64
        /// The archive's size in bytes, once ready.
        public var size: Int64
        public var createdAt: Int64
        public var finishedAt: Int64?
        public var failure: String?
    }

    var folder: String { files.dataDirectory + "/exports" }

    func path(_ fileName: String) -> String { folder + "/" + fileName }

    /// Starts an export for the user, or answers the one under way or waiting for its download.
    public func request(for user: UserID) async throws -> Export {
        let id = environment.ids.next()
        let now = environment.nowSeconds
        try await database.transaction { tx in
            let pending = try await tx.query(
                """
                SELECT id FROM data_exports WHERE user_id = \(user) AND state IN ('queued', 'building', 'ready') LIMIT 1
                """
            )
            guard pending.isEmpty else { return }
            try await tx.execute(
                """
                INSERT INTO data_exports (id, user_id, state, created_at) VALUES (\(id), \(user), \(State.queued.rawValue), \(now))
                """
            )
            try await jobs.enqueue(DataExportJob(export: id), in: tx)
        }
        jobs.wake()
        guard let latest = try await latest(of: user) else { throw DomainError.vanished(.user) }
        return latest
    }

    /// The user's most recent export, if any.
    public func latest(of user: UserID) async throws -> Export? {
        try await database.query(
            """
            SELECT id, state, done, total, size, created_at, finished_at, failure FROM data_exports WHERE user_id = \(user) ORDER BY id DESC LIMIT 1
            """
        ).decodeFirst { row in
            Export(
                id: try row.int(),
                state: State(rawValue: try row.string()) ?? .failed,
                done: try row.int(),
                total: try row.int(),
                size: try row.int(),
                createdAt: try row.int(),
                finishedAt: try row.optionalInt(),
                failure: try row.optionalString()
            )
        }
    }

    /// Hands a ready archive to its owner, once: marks it downloaded and answers an open handle to the file, which is
    /// already unlinked (so a second request, or anyone else, finds nothing, and no copy is left behind whatever
    /// happens to the download). Nil when there is no ready archive of this user's with this id.
    public func claim(_ id: Int64, owner: UserID) async throws -> (handle: FileHandle, size: Int64)? {
        let fileName = try await database.transaction { tx -> String? in
            guard
                let name = try await tx.query(
                    """
                    SELECT file_name FROM data_exports WHERE id = \(id) AND user_id = \(owner) AND state = \(State.ready.rawValue)
                    """
                ).decodeFirst({ try $0.optionalString() }) ?? nil
            else { return nil }
            // The state in the condition: of two racing downloads, one changes the row and the other finds nothing.
            let claimed = try await tx.query(
                """
                UPDATE data_exports SET state = \(State.downloaded.rawValue), file_name = NULL
                 WHERE id = \(id) AND state = \(State.ready.rawValue) RETURNING id
                """
            )
            return claimed.isEmpty ? nil : name
        }
        guard let fileName, let handle = FileHandle(forReadingAtPath: path(fileName)) else { return nil }
        let size = Int64(try handle.seekToEnd())
        try handle.seek(toOffset: 0)
        try? FileManager.default.removeItem(atPath: path(fileName))
        return (handle, size)
    }

    /// Removes archives nobody downloaded within `lifetime`, and files no row names (a build that crashed).
    public func sweep() async throws {
        let cutoff = environment.nowSeconds - Self.lifetime
        try await database.execute(
            """
            UPDATE data_exports SET state = \(State.expired.rawValue), file_name = NULL WHERE state = \(State.ready.rawValue) AND finished_at <
                \(cutoff)
            """
        )
        let named = Set(try await database.query("SELECT file_name FROM data_exports WHERE file_name IS NOT NULL").decode { try $0.string() })
        let building = try await database.query("SELECT count(*) FROM data_exports WHERE state IN ('queued', 'building')").scalarInt() ?? 0
        for name in FileSystem.list(folder) where !named.contains(name) && (building == 0 || !name.hasSuffix(".partial")) {
            FileSystem.removeTree(path(name))
        }
    }

    /// Removes an archive's file (when its account is deleted).
    func removeFile(_ fileName: String) {
        FileSystem.removeTree(path(fileName))
    }
}

/// Builds one export's archive (`DataExportArchive`), recording progress as it goes. Run again after a crash, it
/// starts over: a half-written archive is never offered.
public struct DataExportJob: StorageJob {
    public static let kind = "data-export"
    /// Its owner is waiting on the page that shows its progress.
    public static let priority = JobPriority.interactive
    public var export: Int64

    public func run(in context: JobContext) async throws {
        let storage = context.storage
        let exports = storage.dataExports
        guard
            let user = try await storage.database.transaction({ tx in
                try await tx.query(
                    """
                    UPDATE data_exports SET state = 'building', done = 0 WHERE id = \(export) AND state IN ('queued', 'building') RETURNING user_id
                    """
                ).decodeFirst { try $0.id(UserID.self) }
            })
        else { return }
        let fileName = "\(export)-\(storage.environment.randomHex(bytes: 16)).zip"
        do {
            try FileSystem.makeDirectory(exports.folder)
            let size = try await DataExportArchive(storage: storage, user: user, export: export)
                .write(to: exports.path(fileName))
            let kept = try await storage.database.transaction { tx in
                try await tx.query(
                    """
                    UPDATE data_exports SET state = 'ready', file_name = \(fileName), size = \(size), finished_at = \(storage.environment.nowSeconds)
                     WHERE id = \(export) AND state = 'building' RETURNING id
                    """
                )
            }
            if kept.isEmpty { exports.removeFile(fileName) }
        } catch {
            exports.removeFile(fileName)
            exports.removeFile(fileName + ".partial")
            try await storage.database.execute(
                """
                UPDATE data_exports SET state = 'failed', failure = \(String(describing: error)), finished_at = \(storage.environment.nowSeconds)
                 WHERE id = \(export)
                """
            )
        }
    }
}
