import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// PostgreSQL for scale: a connection pool running the same statements as SQLite.
public final class PostgresDatabase: Database {
    public let engine = SQLEngine.postgres
    public let displayName: String
    /// The pool and the task running it; replaced whole when the server has been unreachable (`Waits`).
    private let pool: Mutex<(client: PostgresClient, runner: Task<Void, Never>)>
    private let clientConfiguration: PostgresClient.Configuration
    /// One connection made outside the pool, to tell a server that is gone from a pool that is merely slow.
    private let probeConfiguration: PostgresConnection.Configuration
    private let waits = Waits()
    /// How many times the watchdog replaced the pool (tests tell by it that the watchdog ended a wait, not the pool's
    /// own breaker).
    let poolReplacements = Atomic<Int>(0)
    private let watchdog = Mutex<Task<Void, Never>?>(nil)
    private let logger: Logger
    /// Nil when the URL asks for `prepared_statements=off` (a PgBouncer in transaction mode without
    /// `max_prepared_statements`, where a statement prepared on one server connection is missing on the next).
    private let statementNames: PreparedStatementNames?
    private let loopConnections: PostgresLoopConnections
    /// Nil through a pooler in transaction mode (`prepared_statements=off` or `change_notices=off`), where no
    /// session listens for long.
    public let changeNotices: ChangeWatch?
    /// The one connection that listens for `listen(to:)`; nil through a pooler in transaction mode.
    private let notices: NoticeListener?

    /// - Parameter url: `postgres://user:password@host:port/database`; `?sslmode=disable|require`, `?host=/socket/dir`,
    ///   `?pool_size=N`, `?lookup_connections=N`, `?prepared_statements=off` and `?change_notices=off` are honoured.
    /// - Parameter maximumConnections: the pool's size when the URL gives none. Four per core of this machine, at least
    ///   eight: on the 2-core benchmark machine, likes ran faster and their p99 halved with 8 connections rather than
    ///   20, since each connection is a PostgreSQL process competing for the same cores.
    public init(url: String, maximumConnections: Int = max(8, 4 * System.coreCount), logger: Logger = Logger(label: "darkroom.postgres")) throws {
        guard let parsed = PostgresURL(url) else { throw DatabaseError.badURL(url) }
        var configuration =
            if let directory = parsed.socketDirectory {
                PostgresClient.Configuration(
                    unixSocketPath: "\(directory)/.s.PGSQL.\(parsed.port)",
                    username: parsed.user,
                    password: parsed.password,
                    database: parsed.database
                )
            } else {
                PostgresClient.Configuration(
                    host: parsed.host,
                    port: parsed.port,
                    username: parsed.user,
                    password: parsed.password,
                    database: parsed.database,
                    tls: parsed.requireTLS ? .require(.makeClientConfiguration()) : .disable
                )
            }
        var probe: PostgresConnection.Configuration
        if let directory = parsed.socketDirectory {
            probe = PostgresConnection.Configuration(
                unixSocketPath: "\(directory)/.s.PGSQL.\(parsed.port)",
                username: parsed.user,
                password: parsed.password,
                database: parsed.database
            )
        } else {
            probe = PostgresConnection.Configuration(
                host: parsed.host,
                port: parsed.port,
                username: parsed.user,
                password: parsed.password,
                database: parsed.database,
                tls: parsed.requireTLS ? .require(try NIOSSLContext(configuration: .makeClientConfiguration())) : .disable
            )
        }
        probe.options.connectTimeout = .seconds(5)
        probeConfiguration = probe
        configuration.options.maximumConnections = parsed.poolSize ?? maximumConnections
        if let schema = parsed.searchPath {
            configuration.options.additionalStartupParameters = [("search_path", schema)]
            probe.options.additionalStartupParameters = [("search_path", schema)]
        }
        statementNames = parsed.preparedStatements ? PreparedStatementNames() : nil
        var quiet = logger
        quiet.logLevel = .error
        self.logger = quiet
        clientConfiguration = configuration
        pool = Mutex(Self.startPool(configuration, logger: quiet))
        loopConnections = PostgresLoopConnections(
            configuration: probe,
            perLoop: parsed.lookupConnections ?? Self.lookupConnectionsPerLoop,
            logger: quiet
        )
        changeNotices = parsed.changeNotices ? ChangeWatch(configuration: probeConfiguration, logger: quiet) : nil
        notices = parsed.changeNotices ? NoticeListener(configuration: probeConfiguration, logger: logger) : nil
        let place = parsed.socketDirectory.map { "socket in \($0)" } ?? "\(parsed.host):\(parsed.port)"
        displayName = "PostgreSQL at \(place)/\(parsed.database ?? parsed.user)"
        let watchdog = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                await self?.replacePoolIfStalled()
                self?.closeStalledLookups(after: Self.leaseTimeout)
            }
        }
        self.watchdog.withLock { $0 = watchdog }
        changeNotices?.prepare(sendingThrough: self)
    }

    public func query(_ sql: SQL) async throws -> [Row] {
        // It may write (a like is one statement on PostgreSQL): until the change watch's next marker is back, what it
        // changed may be missing from what this process keeps in memory.
        defer { changeNotices?.noteLocalWrite() }
        return try await pooled(sql)
    }

    /// A statement on a pooled connection that writes nothing (a lookup off the event loops, a change watch marker).
    func pooled(_ sql: SQL) async throws -> [Row] {
        let (statementNames, logger) = (statementNames, logger)
        return try await leased { connection in
            try await Executor(connection: connection, statementNames: statementNames, logger: logger).query(sql)
        }
    }

    /// Connections for lookups on each event loop, besides the pool. On the 2-core machine the feed's rate over the
    /// ready body's was 0.237 and 0.237 with eight per loop, 0.231 and 0.229 with four, 0.236 and 0.235 with sixteen
    /// (runs alternated); with none (the pool) 0.195 to 0.212.
    static let lookupConnectionsPerLoop = 8

    /// On a connection of the caller's event loop (`PostgresLoopConnections`), or the pool's off the loops.
    public func lookup(_ sql: SQL) async throws -> [Row] {
        try await lookup(sql, on: MultiThreadedEventLoopGroup.currentEventLoop)
    }

    /// `lookup` as it runs on `loop` (tests, whose tasks do not run on the event loops, name one).
    func lookup(_ sql: SQL, on loop: (any EventLoop)?) async throws -> [Row] {
        let (statementNames, logger) = (statementNames, logger)
        do {
            let rows = try await loopConnections.withConnection(of: loop) { connection in
                try await Executor(connection: connection, statementNames: statementNames, logger: logger).query(sql)
            }
            if let rows { return rows }
        } catch {
            throw Self.unreachable(error) ?? error
        }
        return try await pooled(sql)
    }

    /// Closes the lookup connections a statement has been outstanding on for longer than `limit` (a server that stopped
    /// answering without closing them): what waits on them fails as unavailable, and the next lookup connects anew.
    func closeStalledLookups(after limit: Duration) {
        loopConnections.closeStalled(after: limit)
    }

    func openLookupConnections(of loop: any EventLoop) -> Int {
        loopConnections.openConnections(of: loop)
    }

    /// How long a statement waits for a connection, while no other statement gets one either, before the database
    /// counts as unavailable. PostgresNIO's pool keeps a request queued while it cannot connect (a server restarting,
    /// a network gone) until its own circuit breaker trips after a minute; a caller must get 503 with `Retry-After`
    /// sooner than that, not hang. A statement waiting its turn in a busy pool that is handing out connections waits
    /// on; once it has one, it takes as long as it takes.
    static let leaseTimeout: Duration = .seconds(5)

    /// A pool and the task that runs it (the pool works only while `run()` does; cancelling it shuts the pool down
    /// and fails whatever waits in it).
    private static func startPool(
        _ configuration: PostgresClient.Configuration,
        logger: Logger
    ) -> (client: PostgresClient, runner: Task<Void, Never>) {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return (client, Task { await client.run() })
    }

    /// Runs `body` on a pooled connection. A statement that waited `leaseTimeout` while no connection was handed out to
    /// anyone fails with `DatabaseError.unavailable`: the watchdog replaces the pool, which fails its waiters.
    /// (Measured on the 2-core machine: a timer task per statement cost 13 µs each; these two locked updates 0.13 µs.)
    private func leased<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = pool.withLock { $0.client }
        let waits = waits
        let ticket = waits.begin()
        do {
            return try await client.withConnection { connection in
                waits.leased(ticket)
                return try await body(connection)
            }
        } catch {
            // Failing before it had a connection (the pool shut down, or its breaker tripped) is not reaching the server.
            if waits.gaveUp(ticket) { throw DatabaseError.unavailable("no connection: \(error)") }
            throw Self.unreachable(error) ?? error
        }
    }

    /// `DatabaseError.unavailable` for errors that say the connection to the server was lost; nil for others.
    private static func unreachable(_ error: any Error) -> DatabaseError? {
        if let psql = error as? PSQLError, psql.serverInfo == nil,
            [.connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed].contains(psql.code)
        {
            return DatabaseError.unavailable("\(psql.code)")
        }
        return nil
    }

    /// When statements have waited `leaseTimeout`, the pool handed out nothing meanwhile, and a connection made
    /// directly fails too (the server is gone, not just slow to answer a loaded pool), a new pool takes over and the
    /// old one is shut down, failing its waiters (as unavailable) instead of leaving them queued.
    private func replacePoolIfStalled() async {
        guard waits.stalled(for: Self.leaseTimeout), !(await serverAnswers()) else { return }
        let fresh = Self.startPool(clientConfiguration, logger: logger)
        let old = pool.withLock { pool in
            defer { pool = fresh }
            return pool
        }
        waits.restart()
        poolReplacements.add(1, ordering: .relaxed)
        old.runner.cancel()
    }

    private func serverAnswers() async -> Bool {
        do {
            let connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(),
                configuration: probeConfiguration,
                id: 0,
                logger: logger
            ).get()
            try? await connection.close()
            return true
        } catch {
            return false
        }
    }

    /// Statements waiting for a connection, and when one was last handed out.
    private final class Waits: Sendable {
        private struct State {
            var next: UInt64 = 0
            var waiting: [UInt64: UInt64] = [:]
            var lastLease = DispatchTime.now().uptimeNanoseconds
        }
        private let state = Mutex(State())

        func begin() -> UInt64 {
            let now = DispatchTime.now().uptimeNanoseconds
            return state.withLock { state in
                state.next += 1
                state.waiting[state.next] = now
                return state.next
            }
        }

        /// The statement has its connection: it waits no more.
        func leased(_ ticket: UInt64) {
            let now = DispatchTime.now().uptimeNanoseconds
            state.withLock { state in
                if state.waiting.removeValue(forKey: ticket) != nil { state.lastLease = now }
            }
        }

        /// The statement failed; answers whether that was while it still waited for a connection.
        func gaveUp(_ ticket: UInt64) -> Bool {
            state.withLock { $0.waiting.removeValue(forKey: ticket) != nil }
        }

        func stalled(for limit: Duration) -> Bool {
            let now = DispatchTime.now().uptimeNanoseconds
            let nanoseconds = UInt64(limit.components.seconds) * 1_000_000_000
            return state.withLock { state in
                guard now &- state.lastLease > nanoseconds, let oldest = state.waiting.values.min() else { return false }
                return now &- oldest > nanoseconds
            }
        }

        /// A new pool: the clock of handing out starts again.
        func restart() {
            let now = DispatchTime.now().uptimeNanoseconds
            state.withLock { $0.lastLease = now }
        }
    }

    public func execute(_ sql: SQL) async throws {
        _ = try await query(sql)
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        let (statementNames, logger) = (statementNames, logger)
        defer { changeNotices?.noteLocalWrite() }
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

    public func listen(to channel: String, _ onNotice: @escaping @Sendable () -> Void) -> Bool {
        guard let notices else { return false }
        notices.add(channel: channel, onNotice: onNotice)
        return true
    }

    public func close() async {
        watchdog.withLock { $0?.cancel() }
        await changeNotices?.close()
        await notices?.close()
        await loopConnections.close()
        let runner = pool.withLock { $0.runner }
        runner.cancel()
        _ = await runner.value
    }

    struct Executor: SQLExecutor {
        let connection: PostgresConnection
        let statementNames: PreparedStatementNames?
        let logger: Logger

        func query(_ sql: SQL) async throws -> [Row] {
            try await PostgresDatabase.run(
                sql,
                names: statementNames,
                logger: logger,
                unnamed: { try await connection.query($0, logger: logger) },
                prepared: { try await connection.execute($0, logger: logger) }
            )
        }
        func execute(_ sql: SQL) async throws {
            _ = try await query(sql)
        }
    }

    // MARK: - Translation

    /// Runs `sql` as the named statement `names` gives it, or unnamed.
    fileprivate static func run<Prepared: AsyncSequence>(
        _ sql: SQL,
        names: PreparedStatementNames?,
        logger: Logger,
        unnamed: (PostgresQuery) async throws -> PostgresRowSequence,
        prepared: (DynamicPreparedStatement) async throws -> Prepared
    ) async throws -> [Row] where Prepared.Element == PostgresRow {
        guard let names, let name = names.name(for: sql) else {
            return try await collect(sql) { try await unnamed(PostgresQuery(unsafeSQL: sql.text, binds: bindings(sql))) }
        }
        let identity = DynamicPreparedStatement.Identity(
            name: name,
            sql: sql.text,
            bindingTypes: PreparedStatementNames.bindingTypes(sql)
        )
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
        if let unreachable = unreachable(psql) { return unreachable }
        let message = psql.serverInfo?[.message] ?? "\(psql.code)"
        switch psql.serverInfo?[.sqlState] {
        case "23505": return DatabaseError.uniqueViolation(message)
        case "40001", "40P01", "55P03": return DatabaseError.busy(message)
        // The server shutting down or starting up (a restart, a failover) ended the statement: try again in a moment.
        case "57P01", "57P02", "57P03": return DatabaseError.unavailable(message)
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
    /// `?change_notices=off` (implied by `prepared_statements=off`): no connection listens for change notices, and
    /// the home feed reads versions with each page (`ChangeWatch`); for a pooler in transaction mode.
    var changeNotices = true
    /// `?pool_size=N`: at most this many connections from this process (default: four per core, at least eight).
    var poolSize: Int?
    /// `?lookup_connections=N`: connections for lookups on each event loop, besides the pool (0: lookups use the pool).
    var lookupConnections: Int?
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
                if pair == "prepared_statements=off" { (preparedStatements, changeNotices) = (false, false) }
                if pair == "change_notices=off" { changeNotices = false }
                if pair.hasPrefix("pool_size="), let size = Int(pair.dropFirst("pool_size=".count)), (1...1000).contains(size) { poolSize = size }
                if pair.hasPrefix("lookup_connections="), let count = Int(pair.dropFirst("lookup_connections=".count)), (0...64).contains(count) {
                    lookupConnections = count
                }
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
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
