import DarkroomCore
import Foundation

/// Imports of archives into accounts (`archive_imports`, `archive_import_posts`): started from the settings page or
/// `darkroom user import-instagram`, run by an `ImportArchiveJob`, undone by an `UndoImportJob`. Each post of an
/// archive is recorded once per account under its archive key, in the transaction that makes (or holds) it, so an
/// import stopped anywhere — a restart, `kill -9` — picks up where it was and never posts anything twice.
public struct ArchiveImports: Sendable {
    let database: any Database
    let environment: SystemEnvironment
    let jobs: JobQueue
    let files: MediaFiles
    let writer: MediaWriter

    public enum Source: String, Sendable { case instagram, darkroom }

    public enum State: String, Sendable {
        case queued, running, done, failed, undoing, undone
    }

    /// What becomes of imported posts: posted at once, as the account's own, or held for their owner to review.
    public enum Visibility: String, Sendable, CaseIterable { case `public`, held }

    public struct Import: Sendable {
        public var id: Int64
        public var owner: UserID
        public var source: Source
        public var state: State
        public var visibility: Visibility
        public var paths: [String]
        public var ownsFiles: Bool
        public var total: Int64
        public var done: Int64
        public var failed: Int64
        public var createdAt: Int64
        public var startedAt: Int64?
        public var finishedAt: Int64?
        public var failure: String?
        /// The process running it (`host:pid`), while it runs.
        public var runner: String?

        public var isUnderWay: Bool { state == .queued || state == .running }
    }

    /// Folder for archives uploaded through the pages, removed when their import ends.
    public var folder: String { files.dataDirectory + "/imports" }

    /// Starts an import of the zip files at `paths` (the parts of one archive) for `owner`. `ownsFiles`: the files
    /// are the server's (uploaded) and go when the import ends. One import per account runs at a time.
    public func start(
        for owner: UserID,
        source: Source,
        paths: [String],
        ownsFiles: Bool,
        visibility: Visibility
    ) async throws -> Int64 {
        let id = environment.ids.next()
        let encoded = String(decoding: try JSONEncoder().encode(paths), as: UTF8.self)
        try await database.transaction { tx in
            let underWay = try await tx.query(
                "SELECT id FROM archive_imports WHERE user_id = \(owner) AND state IN ('queued', 'running', 'undoing') LIMIT 1"
            )
            guard underWay.isEmpty else { throw DomainError.invalidInput(field: "archive", reason: "an import is under way already") }
            try await tx.execute(
                """
                INSERT INTO archive_imports (id, user_id, source, state, visibility, paths, owns_files, created_at)
                VALUES (\(id), \(owner), \(source.rawValue), 'queued', \(visibility.rawValue), \(encoded), \(ownsFiles ? 1 : 0), \
                \(environment.nowSeconds))
                """
            )
            try await jobs.enqueue(ImportArchiveJob(import: id), in: tx)
        }
        jobs.wake()
        return id
    }

    public func find(_ id: Int64) async throws -> Import? {
        try await database.query("SELECT \(raw: Self.columns) FROM archive_imports WHERE id = \(id)").decodeFirst(Self.decode)
    }

    /// Imports running now, in any process.
    public func running() async throws -> [Import] {
        try await database.query("SELECT \(raw: Self.columns) FROM archive_imports WHERE state = 'running'").decode(Self.decode)
    }

    /// The account's imports, newest first.
    public func list(of owner: UserID, limit: Int = 10) async throws -> [Import] {
        try await database.query(
            "SELECT \(raw: Self.columns) FROM archive_imports WHERE user_id = \(owner) ORDER BY id DESC LIMIT \(limit)"
        ).decode(Self.decode)
    }

    /// Marks the import running in this process, with its total and the posts done already (imported before, by
    /// this run or an earlier import); false when it is not to run (ended or undone).
    public func begin(_ id: Int64, source: Source, total: Int64, done: Int64, runner: String) async throws -> Bool {
        try await !database.transaction { tx in
            try await tx.query(
                """
                UPDATE archive_imports SET state = 'running', source = \(source.rawValue), total = \(total), done = \(done), runner = \(runner),
                       failed = (SELECT count(*) FROM archive_import_posts WHERE import_id = \(id) AND state = 'failed'),
                       started_at = COALESCE(started_at, \(environment.nowSeconds))
                 WHERE id = \(id) AND state IN ('queued', 'running') RETURNING id
                """
            )
        }.isEmpty
    }

    /// Whether the import is still to go on (its owner may have undone it meanwhile).
    public func isRunning(_ id: Int64) async throws -> Bool {
        try await database.query("SELECT state FROM archive_imports WHERE id = \(id)").decodeFirst { try $0.string() } == State.running.rawValue
    }

    /// The archive keys of the account's posts already imported or held, by any import: these are not read again.
    public func importedKeys(of owner: UserID) async throws -> Set<String> {
        Set(
            try await database.query(
                "SELECT item_key FROM archive_import_posts WHERE user_id = \(owner) AND state <> 'failed'"
            ).decode { try $0.string() }
        )
    }

    /// Whether a photo with this content (its original's key, `OriginalFiles.key(of:)`) already leads a post of the
    /// same date this account imported or holds: the same post under other names (a later download of the account).
    public func importedBefore(original key: String, takenAt: Int64, owner: UserID) async throws -> Bool {
        try await !database.query(
            """
            SELECT 1 FROM media m JOIN archive_import_posts p ON p.media_id = m.id AND p.user_id = \(owner)
             WHERE m.original_key = \(key) AND p.taken_at = \(takenAt)
            UNION ALL
            SELECT 1 FROM archive_held_files h JOIN archive_import_posts p ON p.user_id = h.user_id AND p.item_key = h.item_key
             WHERE h.user_id = \(owner) AND h.file_key = \(key) AND p.taken_at = \(takenAt)
            """
        ).isEmpty
    }

    /// Records a post of the archive as one imported before under another name: done, with nothing made.
    public func recordDuplicate(_ imported: ImportedPost, owner: UserID) async throws {
        try await database.transaction { tx in
            try await ImportedPosts.claim(imported, owner: owner, publishing: false, in: tx)
            try await tx.execute(
                """
                INSERT INTO archive_import_posts (user_id, item_key, import_id, state, taken_at)
                VALUES (\(owner), \(imported.itemKey), \(imported.importID), 'duplicate', \(imported.takenAt))
                ON CONFLICT (user_id, item_key) DO UPDATE SET state = 'duplicate', failure = NULL, import_id = excluded.import_id
                """
            )
        }
    }

    /// Records a post of the archive that cannot be imported, with the reason; a later run or import tries it again.
    public func recordFailure(_ id: Int64, owner: UserID, key: String, takenAt: Int64, reason: String) async throws {
        try await database.transaction { tx in
            let previous = try await tx.query(
                "SELECT import_id, state FROM archive_import_posts WHERE user_id = \(owner) AND item_key = \(key)"
            ).decodeFirst { (importID: try $0.int(), state: try $0.string()) }
            try await tx.execute(
                """
                INSERT INTO archive_import_posts (user_id, item_key, import_id, state, taken_at, failure)
                VALUES (\(owner), \(key), \(id), 'failed', \(takenAt), \(String(reason.prefix(500))))
                ON CONFLICT (user_id, item_key) DO UPDATE SET import_id = excluded.import_id, state = 'failed', failure = excluded.failure
                """
            )
            if previous?.importID != id || previous?.state != "failed" {
                try await tx.execute("UPDATE archive_imports SET failed = failed + 1 WHERE id = \(id)")
            }
        }
    }

    /// Ends the import: done, or failed with the reason (nothing half-written: each post committed whole or not at all).
    public func finish(_ id: Int64, failure: String? = nil) async throws -> Import? {
        let state = failure == nil ? State.done : .failed
        try await database.execute(
            """
            UPDATE archive_imports SET state = \(state.rawValue), failure = \(failure), finished_at = \(environment.nowSeconds), runner = NULL
             WHERE id = \(id) AND state IN ('queued', 'running')
            """
        )
        return try await find(id)
    }

    /// The import's videos still waiting for their transcode.
    public func processingVideos(of id: Int64) async throws -> Int64 {
        try await database.query(
            "SELECT count(*) FROM archive_import_posts WHERE import_id = \(id) AND state = 'processing'"
        ).scalarInt() ?? 0
    }

    /// The posts of an import that could not be imported, with their reasons, oldest first.
    public func failures(of id: Int64, limit: Int = 100) async throws -> [(takenAt: Int64, reason: String)] {
        try await database.query(
            """
            SELECT taken_at, failure FROM archive_import_posts WHERE import_id = \(id) AND state = 'failed' ORDER BY taken_at LIMIT \(limit)
            """
        ).decode { (try $0.int(), try $0.optionalString() ?? "") }
    }

    static let columns = """
        id, user_id, source, state, visibility, paths, owns_files, total, done, failed, created_at, started_at, finished_at, failure, runner
        """

    static func decode(_ row: inout Row) throws -> Import {
        Import(
            id: try row.int(),
            owner: try row.id(UserID.self),
            source: Source(rawValue: try row.string()) ?? .instagram,
            state: State(rawValue: try row.string()) ?? .failed,
            visibility: Visibility(rawValue: try row.string()) ?? .held,
            paths: (try? JSONDecoder().decode([String].self, from: Data(try row.string().utf8))) ?? [],
            ownsFiles: try row.int() != 0,
            total: try row.int(),
            done: try row.int(),
            failed: try row.int(),
            createdAt: try row.int(),
            startedAt: try row.optionalInt(),
            finishedAt: try row.optionalInt(),
            failure: try row.optionalString(),
            runner: try row.optionalString()
        )
    }
}

/// Imports an archive: `ArchiveImporting` (in the API module, which has the photo pipeline) runs it.
public struct ImportArchiveJob: BackgroundJob {
    public static let kind = "import-archive"
    public static let maximumAttempts: Int64 = 10
    public var `import`: Int64
    public var key: String? { String(`import`) }

    public init(import id: Int64) { self.import = id }
}
