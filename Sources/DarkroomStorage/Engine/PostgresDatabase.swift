import Foundation
import Logging
import NIOCore
import PostgresNIO
import Synchronization

/// PostgreSQL for scale: a connection pool running the same statements as SQLite.
public final class PostgresDatabase: Database {
    public let engine = SQLEngine.postgres
    public let displayName: String
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let logger: Logger
    /// Nil when the URL asks for `prepared_statements=off` (a PgBouncer in transaction mode without
    /// `max_prepared_statements`, where a statement prepared on one server connection is missing on the next).
    private let statementNames: PreparedStatementNames?
    /// When a connection was last handed out (`DispatchTime` nanoseconds): while that keeps happening the server is
    /// up, and a statement waiting for a connection is waiting its turn, not for a server that is gone.
    private let lastLease = LastLease()

    /// - Parameter url: `postgres://user:password@host:port/database`; `?sslmode=disable|require`, `?host=/socket/dir`,
    ///   `?pool_size=N` and `?prepared_statements=off` are honoured.
    /// - Parameter maximumConnections: the pool's size when the URL gives none. Four per core of this machine, at least
    ///   eight: on the 2-core benchmark machine, likes ran faster and their p99 halved with 8 connections rather than
    ///   20, since each connection is a PostgreSQL process competing for the same cores.
    public init(url: String, maximumConnections: Int = max(8, 4 * System.coreCount), logger: Logger = Logger(label: "darkroom.postgres")) throws {
        guard let parsed = PostgresURL(url) else { throw DatabaseError.badURL(url) }
        var configuration = if let directory = parsed.socketDirectory {
            PostgresClient.Configuration(
                unixSocketPath: "\(directory)/.s.PGSQL.\(parsed.port)", username: parsed.user, password: parsed.password,
                database: parsed.database)
        } else {
            PostgresClient.Configuration(
                host: parsed.host, port: parsed.port, username: parsed.user, password: parsed.password,
                database: parsed.database, tls: parsed.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        }
        configuration.options.maximumConnections = parsed.poolSize ?? maximumConnections
        if let schema = parsed.searchPath { configuration.options.additionalStartupParameters = [("search_path", schema)] }
        statementNames = parsed.preparedStatements ? PreparedStatementNames() : nil
        var quiet = logger
        quiet.logLevel = .error
        self.logger = quiet
        client = PostgresClient(configuration: configuration, backgroundLogger: quiet)
        // The pool needs its run loop for as long as the database is open; close() ends it.
        runner = Task { [client] in await client.run() }
        let place = parsed.socketDirectory.map { "socket in \($0)" } ?? "\(parsed.host):\(parsed.port)"
        displayName = "PostgreSQL at \(place)/\(parsed.database ?? parsed.user)"
    }

    public func query(_ sql: SQL) async throws -> [Row] {
        let (statementNames, logger) = (statementNames, logger)
        return try await leased { connection in
            try await Executor(connection: connection, statementNames: statementNames, logger: logger).query(sql)
        }
    }

    /// How long a statement waits for a connection, while no other statement gets one either, before the database
    /// counts as unavailable. PostgresNIO's pool keeps a request queued for as long as it cannot connect (a server
    /// restarting, a network gone), and a caller must get 503 with `Retry-After`, not hang. A statement waiting its
    /// turn in a busy pool that is handing out connections waits on; once it has one, it takes as long as it takes.
    static let leaseTimeout: Duration = .seconds(5)

    /// Runs `body` on a pooled connection, or throws `DatabaseError.unavailable` when the pool has handed out none for
    /// `leaseTimeout`. (A second task times the wait: PostgresNIO has no lease timeout of its own; this costs a task
    /// per statement.)
    private func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = client
        let lastLease = lastLease
        let started = LeaseStarted()
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                try await client.withConnection { connection in
                    started.mark()
                    lastLease.now()
                    return try await body(connection)
                }
            }
            group.addTask {
                let limit = UInt64(Self.leaseTimeout.components.seconds) * 1_000_000_000
                while true {
                    try await Task.sleep(for: Self.leaseTimeout)
                    if started.marked { return nil }
                    if lastLease.nanosecondsAgo > limit {
                        throw DatabaseError.unavailable("no connection to PostgreSQL within \(Self.leaseTimeout)")
                    }
                }
            }
            while let next = try await group.next() {
                if let value = next {
                    group.cancelAll()
                    return value
                }
            }
            throw CancellationError()
        }
    }

    private final class LastLease: Sendable {
        private let nanoseconds = Atomic<UInt64>(DispatchTime.now().uptimeNanoseconds)
        func now() { nanoseconds.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }
        var nanosecondsAgo: UInt64 { DispatchTime.now().uptimeNanoseconds &- nanoseconds.load(ordering: .relaxed) }
    }

    private final class LeaseStarted: Sendable {
        private let flag = Atomic<Bool>(false)
        func mark() { flag.store(true, ordering: .relaxed) }
        var marked: Bool { flag.load(ordering: .relaxed) }
    }

    public func execute(_ sql: SQL) async throws {
        _ = try await query(sql)
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        let (statementNames, logger) = (statementNames, logger)
        return try await leased { connection in
            let executor = Executor(connection: connection, statementNames: statementNames, logger: logger)
            try await executor.execute("BEGIN")
            do {
                let result = try await body(executor)
                try await executor.execute("COMMIT")
                return result
            } catch {
                _ = try? await executor.execute("ROLLBACK")
                throw error
            }
        }
    }

    /// PostgreSQL's settings are per session and the pool hands out many; bulk loads rely on batching alone.
    public func prepareForBulkLoad() async throws {}

    public func close() async {
        runner.cancel()
        _ = await runner.value
    }

    struct Executor: SQLExecutor {
        let connection: PostgresConnection
        let statementNames: PreparedStatementNames?
        let logger: Logger

        func query(_ sql: SQL) async throws -> [Row] {
            try await PostgresDatabase.run(sql, names: statementNames, logger: logger,
                                           unnamed: { try await connection.query($0, logger: logger) },
                                           prepared: { try await connection.execute($0, logger: logger) })
        }
        func execute(_ sql: SQL) async throws {
            _ = try await query(sql)
        }
    }

    // MARK: - Translation

    /// Runs `sql` as the named statement `names` gives it, or unnamed.
    fileprivate static func run<Prepared: AsyncSequence>(
        _ sql: SQL, names: PreparedStatementNames?, logger: Logger,
        unnamed: (PostgresQuery) async throws -> PostgresRowSequence,
        prepared: (DynamicPreparedStatement) async throws -> Prepared
    ) async throws -> [Row] where Prepared.Element == PostgresRow {
        guard let names, let name = names.name(for: sql) else {
            return try await collect(sql) { try await unnamed(PostgresQuery(unsafeSQL: sql.text, binds: bindings(sql))) }
        }
        let identity = DynamicPreparedStatement.Identity(
            name: name, sql: sql.text, bindingTypes: PreparedStatementNames.bindingTypes(sql))
        do {
            return try await DynamicPreparedStatement.$current.withValue(identity) {
                try await collect(sql) { try await prepared(DynamicPreparedStatement(bindings: bindings(sql))) }
            }
        } catch let error as DatabaseError {
            switch error {
            case .uniqueViolation, .busy: break
            default: names.forget(sql)
            }
            throw error
        }
    }

    private static func collect<Rows: AsyncSequence>(_ sql: SQL, _ run: () async throws -> Rows) async throws -> [Row]
    where Rows.Element == PostgresRow {
        do {
            var rows: [Row] = []
            for try await row in try await run() {
                rows.append(Row(values: try row.map(decode)))
            }
            return rows
        } catch {
            throw translate(error, sql)
        }
    }

    private static func bindings(_ sql: SQL) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: sql.binds.count)
        for value in sql.binds {
            switch value {
            case .null: bindings.appendNull()
            case .int(let int): bindings.append(int)
            case .double(let double): bindings.append(double)
            case .text(let text): bindings.append(text)
            }
        }
        return bindings
    }

    private static func decode(_ cell: PostgresCell) throws -> DBValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8, .oid: return .int(try cell.decode(Int64.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .bool: return .int(try cell.decode(Bool.self) ? 1 : 0)
        case .numeric: return .double(Double(try cell.decode(String.self)) ?? 0)
        default: return .text(try cell.decode(String.self))
        }
    }

    private static func translate(_ error: any Error, _ sql: SQL) -> any Error {
        guard let psql = error as? PSQLError else { return error }
        let message = psql.serverInfo?[.message] ?? "\(psql.code)"
        switch psql.serverInfo?[.sqlState] {
        case "23505": return DatabaseError.uniqueViolation(message)
        case "40001", "40P01", "55P03": return DatabaseError.busy(message)
        default: return DatabaseError.postgres(message: message, sql: sql.text)
        }
    }
}

/// `postgres://user:password@host:port/database?sslmode=…`
struct PostgresURL {
    var user = "postgres"
    var password: String?
    var host = "127.0.0.1"
    var port = 5432
    var database: String?
    var requireTLS = false
    /// `?search_path=…`: the schema to work in (tests give each run its own).
    var searchPath: String?
    /// `?prepared_statements=off` turns off named prepared statements.
    var preparedStatements = true
    /// `?pool_size=N`: at most this many connections from this process (default: four per core, at least eight).
    var poolSize: Int?
    /// `?host=/run/postgresql`, as libpq reads it: connect through the Unix socket in that directory (for the port
    /// given) rather than TCP; a local server answers with less work on both sides.
    var socketDirectory: String?

    /// The same server and database as libpq reads a URL (for `pg_dump` and `pg_restore`), without the password (give
    /// it in PGPASSWORD) and without Darkroom's own options.
    var libpqURL: String {
        var options: [String] = []
        if requireTLS { options.append("sslmode=require") }
        if let socketDirectory { options.append("host=\(socketDirectory)") }
        let user = self.user.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? self.user
        return "postgresql://\(user)@\(host):\(port)/\(database ?? self.user)" + (options.isEmpty ? "" : "?" + options.joined(separator: "&"))
    }

    init?(_ text: String) {
        guard let schemeEnd = text.range(of: "://") else { return nil }
        let scheme = text[..<schemeEnd.lowerBound]
        guard scheme == "postgres" || scheme == "postgresql" else { return nil }
        var rest = Substring(text[schemeEnd.upperBound...])
        if let question = rest.firstIndex(of: "?") {
            let query = rest[rest.index(after: question)...]
            requireTLS = query.contains("sslmode=require")
            for pair in query.split(separator: "&") {
                if pair.hasPrefix("search_path=") { searchPath = String(pair.dropFirst("search_path=".count)) }
                if pair == "prepared_statements=off" { preparedStatements = false }
                if pair.hasPrefix("pool_size="), let size = Int(pair.dropFirst("pool_size=".count)), (1...1000).contains(size) { poolSize = size }
                if pair.hasPrefix("host=/") { socketDirectory = String(pair.dropFirst("host=".count)).removingPercentEncodingLossy() }
            }
            rest = rest[..<question]
        }
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1)
            user = parts.first.map { String($0).removingPercentEncodingLossy() } ?? user
            if parts.count == 2 { password = String(parts[1]).removingPercentEncodingLossy() }
        }
        if let slash = rest.firstIndex(of: "/") {
            let name = rest[rest.index(after: slash)...]
            if !name.isEmpty { database = String(name) }
            rest = rest[..<slash]
        }
        if let colon = rest.lastIndex(of: ":"), let number = Int(rest[rest.index(after: colon)...]) {
            port = number
            rest = rest[..<colon]
        }
        if !rest.isEmpty { host = String(rest) }
    }
}

extension String {
    func removingPercentEncodingLossy() -> String {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
