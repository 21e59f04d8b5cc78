import CSQLite

/// One SQLite connection with a cache of prepared statements. Not thread-safe by itself:
/// `SQLiteDatabase` guarantees that one thread uses it at a time.
final class SQLiteConnection: @unchecked Sendable {
    private let handle: OpaquePointer
    private var statements: [String: OpaquePointer] = [:]
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    private static let statementCacheLimit = 512

    /// Process-wide settings, made once before the first connection opens.
    private static let configured: Void = { _ = darkroom_sqlite_disable_memory_statistics() }()

    /// Pages in the WAL after this connection's last commit, when `tracksWAL`.
    private let walPages = UnsafeMutablePointer<Int32>.allocate(capacity: 1)

    init(path: String, readOnly: Bool, tracksWAL: Bool = false) throws {
        Self.configured
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &db, flags, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw DatabaseError.sqlite(code: status, message: message, sql: "open \(path)")
        }
        handle = db
        walPages.initialize(to: 0)
        sqlite3_busy_timeout(db, 10_000)
        try exec("PRAGMA journal_mode = WAL")
        // NORMAL in WAL mode survives an application crash; only a power loss may drop the newest commits.
        try exec("PRAGMA synchronous = NORMAL")
        try exec("PRAGMA cache_size = -65536")
        try exec("PRAGMA temp_store = MEMORY")
        // Rows go with what they belong to (migration 24); SQLite checks foreign keys only when asked, per connection.
        try exec("PRAGMA foreign_keys = ON")
        // No memory mapping: in WAL mode every commit makes each other connection drop its map on its next read and map
        // the file again — under writes, a munmap of the whole map (with TLB shootdowns on every core) per commit per
        // reader. Reads through the page cache measured the same on the feed benchmark.
        try exec("PRAGMA mmap_size = 0")
        if readOnly { try exec("PRAGMA query_only = 1") }
        if tracksWAL { darkroom_sqlite_track_wal_pages(db, walPages) }
    }

    deinit {
        for statement in statements.values { sqlite3_finalize(statement) }
        sqlite3_close_v2(handle)
        walPages.deallocate()
    }

    /// The WAL's size in pages after the last commit (for a connection opened with `tracksWAL`).
    var pagesInWAL: Int { Int(walPages.pointee) }

    /// Whether a transaction is open (SQLite ends one by itself on some errors).
    var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs a script of one or more statements with no parameters.
    func exec(_ script: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, script, nil, nil, &error)
        if status != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? "error"
            sqlite3_free(error)
            throw Self.error(status, message, script)
        }
    }

    func run(_ sql: SQL) throws -> [Row] {
        let statement = try prepared(sql.text)
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }
        for (offset, value) in sql.binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 =
                switch value {
                case .null: sqlite3_bind_null(statement, index)
                case .int(let int): sqlite3_bind_int64(statement, index, int)
                case .double(let double): sqlite3_bind_double(statement, index, double)
                case .text(let text): sqlite3_bind_text(statement, index, text, -1, Self.transient)
                }
            guard status == SQLITE_OK else { throw Self.error(status, String(cString: sqlite3_errmsg(handle)), sql.text) }
        }
        // One array for the whole result: a row is a window onto it.
        var values: [DBValue] = []
        var rowCount = 0
        let columns = sqlite3_column_count(statement)
        values.reserveCapacity(Int(columns) * 24)
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw Self.error(status, String(cString: sqlite3_errmsg(handle)), sql.text) }
            rowCount += 1
            for column in 0..<columns {
                switch sqlite3_column_type(statement, column) {
                case SQLITE_INTEGER: values.append(.int(sqlite3_column_int64(statement, column)))
                case SQLITE_FLOAT: values.append(.double(sqlite3_column_double(statement, column)))
                case SQLITE_NULL: values.append(.null)
                default:
                    let count = Int(sqlite3_column_bytes(statement, column))
                    if let bytes = sqlite3_column_text(statement, column) {
                        values.append(.text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)))
                    } else {
                        values.append(.text(""))
                    }
                }
            }
        }
        return (0..<rowCount).map { Row(values: values, start: $0 * Int(columns), width: Int(columns)) }
    }

    private func prepared(_ text: String) throws -> OpaquePointer {
        if let statement = statements[text] { return statement }
        var statement: OpaquePointer?
        // SQLite numbers parameters `?NNN`; the layer writes PostgreSQL's `$NNN`.
        let sqliteText = text.replacingDollarParameters()
        let status = sqlite3_prepare_v3(handle, sqliteText, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard status == SQLITE_OK, let statement else {
            throw Self.error(status, String(cString: sqlite3_errmsg(handle)), text)
        }
        if statements.count >= Self.statementCacheLimit {
            for cached in statements.values { sqlite3_finalize(cached) }
            statements.removeAll(keepingCapacity: true)
        }
        statements[text] = statement
        return statement
    }

    private static func error(_ status: Int32, _ message: String, _ sql: String) -> DatabaseError {
        switch status & 0xFF {
        case SQLITE_CONSTRAINT where message.contains("UNIQUE") || message.contains("PRIMARY KEY"): .uniqueViolation(message)
        case SQLITE_BUSY, SQLITE_LOCKED: .busy(message)
        default: .sqlite(code: status, message: message, sql: sql)
        }
    }
}

extension String {
    /// `$12` → `?12`, leaving anything inside quotes alone.
    func replacingDollarParameters() -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        var inQuote = false
        var previous: Character = " "
        for char in self {
            if char == "'" { inQuote.toggle() }
            if !inQuote, char == "$", !(previous.isLetter || previous.isNumber || previous == "_") {
                out.append("?")
            } else {
                out.append(char)
            }
            previous = char
        }
        return out
    }
}
