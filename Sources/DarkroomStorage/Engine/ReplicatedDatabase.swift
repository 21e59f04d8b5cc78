import DarkroomCore
import Foundation
import Synchronization

/// The request a read belongs to, once its caller is known: reads inside one may go to a replica. Everything else —
/// authentication, background work, tools — reads from the primary, since what it reads may have just been written.
public final class ReadSession: Sendable {
    /// Whose writes this request must see: a user, or nil for a caller that writes nothing of its own.
    public let writer: String?
    /// How far a replica must have replayed for this request, once looked up (`ReplicatedDatabase.required`).
    let required = Mutex<UInt64?>(nil)

    public init(writer: String?) { self.writer = writer }

    /// The session of a signed-in person (or of nobody in particular).
    public convenience init(user: UserID?) { self.init(writer: user.map { "user \($0.rawValue)" }) }

    @TaskLocal public static var current: ReadSession?
}

/// PostgreSQL with streaming replicas (`serve --replica-url`, repeatable). Writes, transactions and reads outside a
/// `ReadSession` go to the primary. A read inside one goes, round robin, to a replica that answered its last probe
/// (every 200 ms) within a second, has replayed what the primary had written `maximumLag` ago, and — when the
/// session's writer wrote through this server lately — has replayed past that write's position in the WAL
/// (read-your-writes); otherwise to the primary. A replica that fails a read is skipped until its next good probe,
/// and the read is answered by the primary.
///
/// A writer's last write position is shared by every server through the primary's `write_positions` (one upsert
/// after each write, one lookup per request that reads from a replica), so read-your-writes holds whichever server
/// the next request reaches; a write older than `maximumLag` needs no lookup, since every replica in use has
/// replayed it.
public final class ReplicatedDatabase: Database {
    public static let maximumLag: Duration = .seconds(5)
    static let probeInterval: Duration = .milliseconds(200)
    static let probeFreshness: Duration = .seconds(1)

    let primary: any Database
    let replicas: [Replica]
    /// The primary's WAL position over the last seconds, newest last: what "replayed what the primary had
    /// `maximumLag` ago" is measured against.
    private let primaryPositions = Mutex<[(position: UInt64, at: ContinuousClock.Instant)]>([])
    private let turn = Atomic<Int>(0)
    private let monitor = Mutex<Task<Void, Never>?>(nil)

    final class Replica: Sendable {
        let database: any Database
        let name: String
        /// The last good probe: how far it had replayed, and when.
        let probe = Mutex<(replayed: UInt64, at: ContinuousClock.Instant)?>(nil)

        init(database: any Database, name: String) {
            self.database = database
            self.name = name
        }
    }

    public init(primary: any Database, replicas: [(database: any Database, name: String)]) {
        self.primary = primary
        self.replicas = replicas.map { Replica(database: $0.database, name: $0.name) }
        // One loop for the primary's position and one per replica, so a replica that hangs delays only its own probes.
        let task = Task { [weak self] in
            await withTaskGroup(of: Void.self) { group in
                for index in -1..<replicas.count {
                    group.addTask { [weak self] in
                        while !Task.isCancelled {
                            await self?.probe(index)
                            try? await Task.sleep(for: Self.probeInterval)
                        }
                    }
                }
            }
        }
        monitor.withLock { $0 = task }
    }

    public var engine: SQLEngine { primary.engine }
    public var displayName: String { "\(primary.displayName) with \(replicas.count) replica\(replicas.count == 1 ? "" : "s")" }
    public var load: DatabaseLoad { primary.load }
    /// None: a version known from the primary's notices can be newer than what a lagging replica renders for it, and
    /// a copy rendered from the replica would then be kept under the newer version. Pages read versions with the page.
    public var changeNotices: ChangeWatch? { nil }
    /// Notices are sent on the primary, and heard there.
    public func listen(to channel: String, _ onNotice: @escaping @Sendable () -> Void) -> Bool { primary.listen(to: channel, onNotice) }

    public func query(_ sql: SQL) async throws -> [Row] {
        try await read { try await $0.query(sql) }
    }

    public func lookup(_ sql: SQL) async throws -> [Row] {
        try await read { try await $0.lookup(sql) }
    }

    public func execute(_ sql: SQL) async throws {
        try await primary.execute(sql)
        await noteWrite()
    }

    public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLExecutor) async throws -> T) async throws -> T {
        let result = try await primary.transaction(body)
        await noteWrite()
        return result
    }

    public func prepareForBulkLoad() async throws { try await primary.prepareForBulkLoad() }

    public func close() async {
        monitor.withLock { $0?.cancel() }
        for replica in replicas { await replica.database.close() }
        await primary.close()
    }

    // MARK: Routing

    private func read(_ run: (any SQLExecutor) async throws -> [Row]) async throws -> [Row] {
        guard let session = ReadSession.current, !replicas.isEmpty,
            let replica = choose(atLeast: await required(for: session))
        else { return try await run(primary) }
        do {
            return try await run(replica.database)
        } catch {
            // Whatever the replica's trouble, the primary answers; a real mistake in the statement fails there too.
            replica.probe.withLock { $0 = nil }
            return try await run(primary)
        }
    }

    /// A replica that has replayed at least `position` and what the primary had `maximumLag` ago, taking turns; nil
    /// for the primary.
    func choose(atLeast position: UInt64) -> Replica? {
        let now = ContinuousClock.now
        let required = max(position, primaryPosition(asOf: now - Self.maximumLag))
        let start = turn.add(1, ordering: .relaxed).newValue
        for offset in 0..<replicas.count {
            let replica = replicas[(start + offset) % replicas.count]
            guard let probe = replica.probe.withLock({ $0 }), now - probe.at < Self.probeFreshness, probe.replayed >= required else { continue }
            return replica
        }
        return nil
    }

    /// Where the session's writer last wrote, from any server, if lately (looked up once per request).
    private func required(for session: ReadSession) async -> UInt64 {
        if let known = session.required.withLock({ $0 }) { return known }
        var position: UInt64 = 0
        if let writer = session.writer {
            do {
                let found = try await primary.query(
                    """
                    SELECT position FROM write_positions
                     WHERE writer = \(writer) AND at > (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint -
                         \(Int64(Self.maximumLag.components.seconds * 1000))
                    """
                ).decodeFirst { try $0.int() }
                position = found.map { UInt64(max($0, 0)) } ?? 0
            } catch {
                position = .max  // not knowing is reading from the primary
            }
        }
        session.required.withLock { $0 = position }
        return position
    }

    /// The primary's position at `instant` (the newest sample not after it; 0 when none is that old).
    private func primaryPosition(asOf instant: ContinuousClock.Instant) -> UInt64 {
        primaryPositions.withLock { samples in samples.last { $0.at <= instant }?.position ?? 0 }
    }

    /// Records where the session's writer's write ended in the WAL, for every server's next reads. A request with no
    /// writer (someone signing up, say) has no later requests to tell: its own later reads go to the primary, since a
    /// replica may not have what it just wrote (a new account read back).
    private func noteWrite() async {
        guard let session = ReadSession.current, !replicas.isEmpty else { return }
        guard let writer = session.writer else {
            session.required.withLock { $0 = .max }
            return
        }
        let position: Int64? = try? await primary.query(
            """
            INSERT INTO write_positions (writer, position, at)
            VALUES (\(writer), (pg_current_wal_lsn() - '0/0'::pg_lsn)::bigint, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::bigint)
            ON CONFLICT (writer) DO UPDATE SET position = excluded.position, at = excluded.at
            RETURNING position
            """
        ).decodeFirst { try $0.int() }
        // Unrecorded, this request's later reads go to the primary.
        session.required.withLock { $0 = position.map { UInt64(max($0, 0)) } ?? .max }
    }

    // MARK: Probing

    /// Samples the primary's position (`index` -1) or probes one replica.
    func probe(_ index: Int) async {
        let now = ContinuousClock.now
        guard index >= 0 else {
            guard let position = try? await Self.position(primary, "SELECT pg_current_wal_lsn()::text") else { return }
            primaryPositions.withLock { samples in
                samples.append((position, now))
                samples.removeAll { now - $0.at > Self.maximumLag * 2 }
            }
            return
        }
        let replica = replicas[index]
        guard let replayed = try? await Self.position(replica.database, "SELECT pg_last_wal_replay_lsn()::text") else { return }
        replica.probe.withLock { $0 = (replayed, ContinuousClock.now) }
    }

    /// A WAL position (`16/B374D848`) as one number.
    static func position(_ database: any Database, _ sql: SQL) async throws -> UInt64? {
        guard let text = try await database.query(sql).decodeFirst({ try $0.optionalString() }) ?? nil else { return nil }
        return parsePosition(text)
    }

    static func parsePosition(_ text: String) -> UInt64? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let high = UInt64(parts[0], radix: 16), let low = UInt64(parts[1], radix: 16) else { return nil }
        return high << 32 | low
    }
}
