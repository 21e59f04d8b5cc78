import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation
import Synchronization

/// `darkroom bench explain`: PostgreSQL's own account of the hot paths on the benchmark data set. Runs the feed, a
/// profile, a media with its comments and likers, a like and a comment through the real stores, records every
/// statement they send, and shows `EXPLAIN (ANALYZE, BUFFERS)` of each (writes inside a transaction rolled back);
/// fails when one reads a large table from end to end instead of through an index.
struct ExplainBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract:
            """
            EXPLAIN (ANALYZE, BUFFERS) every statement of the feed, profile, media, like and comment paths on PostgreSQL; fails on a sequential scan \
            of a large table.
            """
    )

    @OptionGroup var storage: StorageOptions

    /// Tables that grow with use: reading one of them whole is the mistake this looks for.
    static let largeTables: Set<String> = [
        "users", "media", "likes", "comments", "follows", "follow_requests", "feed_entries", "media_tags", "access_tokens", "tags",
        "media_users_in_photo", "locations",
    ]

    func run() async throws {
        guard !storage.databaseURL.isEmpty else { throw ValidationError("explain reads PostgreSQL's plans: give --database-url") }
        bootstrapLogging(level: .warning)
        try await storage.withStorage { opened in try await explainHotPaths(in: opened) }
    }

    private func explainHotPaths(in opened: Storage) async throws {
        guard let viewer = try await BenchViewers.viewers(in: opened, count: 1, follows: 10...1000, scopes: [.basic]).first?.id,
            let media = try await opened.database.query(
                """
                SELECT m.id, m.user_id FROM media m JOIN users u ON u.id = m.user_id
                 WHERE u.is_private = 0 AND m.comment_count > 0 AND m.like_count > 0 ORDER BY m.id DESC LIMIT 1
                """
            ).decodeFirst({ (id: try $0.id(MediaID.self), owner: try $0.id(UserID.self)) })
        else { throw ValidationError("no data to explain: run `darkroom seed` first") }

        let recorder = RecordingDatabase(base: opened.database)
        let stores = Storage(database: recorder, environment: opened.environment, files: opened.files, mediaURLKey: opened.mediaURLKey)
        let paths: [(String, @Sendable () async throws -> Void)] = [
            ("feed", { _ = try await stores.feed.page(of: viewer, MediaPageRequest(count: 20)) }),
            (
                "profile",
                {
                    _ = try await stores.users.find(media.owner)
                    let page = try await stores.media.recent(of: media.owner, page: MediaPageRequest(count: 20), viewer: viewer)
                    _ = try await stores.media.hydrate(page.items.map(\.id), viewer: viewer)
                }
            ),
            (
                "media",
                {
                    _ = try await stores.media.authorize(.view, media.id, actor: viewer)
                    _ = try await stores.media.hydrate([media.id], viewer: viewer)
                    _ = try await stores.comments.list(on: media.id, viewer: viewer)
                    _ = try await stores.likes.likers(of: media.id, viewer: viewer)
                }
            ),
            (
                "like",
                {
                    try await stores.likes.like(media.id, by: viewer, checking: .like)
                    try await stores.likes.unlike(media.id, by: viewer)
                }
            ),
            (
                "comment",
                {
                    let comment = try await stores.comments.create(on: media.id, by: viewer, text: "explained", checking: .comment)
                    _ = try await stores.comments.delete(comment.id, on: media.id)
                }
            ),
        ]
        var report: [[String: Any]] = []
        var scans: [String] = []
        for (path, run) in paths {
            recorder.start()
            try await run()
            for statement in recorder.take() {
                let plan = try await explain(statement, in: opened.database)
                var entry = plan.summary
                entry["path"] = path
                entry["statement"] = String(
                    statement.text.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }
                        .joined(separator: " ").prefix(160)
                )
                report.append(entry)
                for table in plan.sequentialScans where Self.largeTables.contains(table) {
                    scans.append("\(path): \(table) read whole by \(entry["statement"] ?? "")")
                }
            }
        }
        try printJSON(["database": opened.database.displayName, "statements": report, "sequential_scans_of_large_tables": scans])
        if !scans.isEmpty { throw ExitCode.failure }
    }

    struct Plan {
        var summary: [String: Any]
        var sequentialScans: [String]
    }

    /// The statement's plan as it ran, in a transaction that is rolled back (so a write's ANALYZE changes nothing).
    private func explain(_ statement: SQL, in database: any Database) async throws -> Plan {
        let captured = Mutex<String?>(nil)
        do {
            try await database.transaction { tx in
                let json = try await tx.query("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) \(statement)").decodeFirst { try $0.string() }
                captured.withLock { $0 = json }
                throw RolledBack()
            }
        } catch is RolledBack {}
        guard let json = captured.withLock({ $0 }),
            let top = (try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [[String: Any]])?.first,
            let root = top["Plan"] as? [String: Any]
        else { throw ValidationError("PostgreSQL gave no plan for \(statement.text)") }
        var nodes: [String] = []
        var indexes: Set<String> = []
        var sequential: [String] = []
        func walk(_ node: [String: Any]) {
            let type = node["Node Type"] as? String ?? "?"
            let relation = node["Relation Name"] as? String
            nodes.append(relation.map { "\(type) on \($0)" } ?? type)
            if let index = node["Index Name"] as? String { indexes.insert(index) }
            if type == "Seq Scan", let relation { sequential.append(relation) }
            for child in node["Plans"] as? [[String: Any]] ?? [] { walk(child) }
        }
        walk(root)
        let summary: [String: Any] = [
            "execution_ms": top["Execution Time"] as? Double ?? 0, "planning_ms": top["Planning Time"] as? Double ?? 0,
            "shared_buffers_hit": root["Shared Hit Blocks"] as? Int ?? 0, "shared_buffers_read": root["Shared Read Blocks"] as? Int ?? 0,
            "indexes": indexes.sorted(), "nodes": nodes,
        ]
        return Plan(summary: summary, sequentialScans: sequential)
    }

    private struct RolledBack: Error {}
}

/// A database that keeps a copy of every data statement sent through it (not transaction control), to be explained.
final class RecordingDatabase: Database {
    let base: any Database
    private let recorded = Mutex<[SQL]>([])
    private let recording = Atomic<Bool>(false)

    init(base: any Database) { self.base = base }

    func start() {
        recorded.withLock { $0.removeAll() }
        recording.store(true, ordering: .relaxed)
    }

    func take() -> [SQL] {
        recording.store(false, ordering: .relaxed)
        return recorded.withLock { $0 }
    }

    fileprivate func record(_ sql: SQL) {
        guard recording.load(ordering: .relaxed) else { return }
        let head = sql.text.drop { $0.isWhitespace }.prefix(6).uppercased()
        guard ["SELECT", "INSERT", "UPDATE", "DELETE"].contains(head) || head.hasPrefix("WITH") else { return }
        recorded.withLock { $0.append(sql) }
    }

    var engine: SQLEngine { base.engine }
    var displayName: String { base.displayName }
    var load: DatabaseLoad { base.load }

    func query(_ sql: SQL) async throws -> [Row] {
        record(sql)
        return try await base.query(sql)
    }

    func lookup(_ sql: SQL) async throws -> [Row] {
        record(sql)
        return try await base.lookup(sql)
    }

    func execute(_ sql: SQL) async throws {
        record(sql)
        try await base.execute(sql)
    }

    func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        try await base.transaction { executor in try await body(RecordingExecutor(base: executor, database: self)) }
    }

    func prepareForBulkLoad() async throws { try await base.prepareForBulkLoad() }
    func close() async { await base.close() }
}

private struct RecordingExecutor: SQLExecutor {
    let base: any SQLExecutor
    let database: RecordingDatabase

    func query(_ sql: SQL) async throws -> [Row] {
        database.record(sql)
        return try await base.query(sql)
    }

    func lookup(_ sql: SQL) async throws -> [Row] {
        database.record(sql)
        return try await base.lookup(sql)
    }

    func execute(_ sql: SQL) async throws {
        database.record(sql)
        try await base.execute(sql)
    }
}
