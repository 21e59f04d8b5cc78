import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// What a process keeps in memory from the database and must forget when another process changes it.
public protocol ChangeSubscriber: Sendable {
    /// A notice from the channel, in the order the transactions that sent them committed (`media 123`).
    func changed(_ notice: Substring)
    /// Notices may have been missed (the listening connection was lost): forget everything.
    func lostTrack()
}

/// PostgreSQL's change notices (`LISTEN`), from every process writing to the database, and how current they are.
///
/// Hand-written because PostgresNIO's `listen` delivers notices but cannot tell how far behind they are, which a cache
/// needs to know before it answers from memory. Every `heartbeat`, and at once after a statement of this process that
/// may have written (anything but a lookup), the watch sends a marker on the channel through the pool. PostgreSQL
/// delivers notices in commit order, so when the marker arrives on the listening connection every notice committed
/// before it was sent has been handed to the subscriber: `isCurrent` holds while the last marker to arrive was sent
/// less than `staleness` ago and after this process's last possible write. A change made through another process is
/// therefore known here within `staleness` (in practice, as soon as its notice arrives); one made through this process,
/// before this process answers from memory.
///
/// The listening connection runs no statement of its own after `LISTEN`: PostgresNIO leaves a statement written to a
/// connection the server has closed unanswered, which would hold the watch forever.
public final class ChangeWatch: Sendable {
    /// The channel the `media_changed` trigger sends on (migration 22).
    public static let channel = "darkroom_changes"
    static let heartbeat = TimeAmount.milliseconds(100)
    public static let staleness: Duration = .seconds(1)
    /// A marker not back in this long: the listening connection is presumed dead, closed and made anew.
    static let markerTimeout: Duration = .seconds(5)

    private struct State {
        /// Names the listening connection while it listens (its `application_name`, and its markers).
        var session: String?
        /// When the last marker to arrive was sent.
        var currentAsOf: ContinuousClock.Instant?
        var lastLocalWrite: ContinuousClock.Instant?
        var sentMarkers: [UInt64: ContinuousClock.Instant] = [:]
        var nextMarker: UInt64 = 0
        var stopped = false
    }

    private let state = Mutex(State())
    private let subscribers = Mutex<[any ChangeSubscriber]>([])
    private let kicks = Mutex(Kicks())
    private let runner = Mutex<Task<Void, Never>?>(nil)
    /// Where markers are sent from: weak, since the database owns the watch. (A closure kept here instead was wrapped
    /// anew at each read, and the chain overflowed the stack when freed.)
    private struct Sender { weak var database: PostgresDatabase? }
    private let sender = Mutex(Sender())
    private let logger: Logger
    private let configuration: PostgresConnection.Configuration

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Hands `subscriber` every notice from now on (a cache, when it is made).
    public func subscribe(_ subscriber: any ChangeSubscriber) {
        subscribers.withLock { $0.append(subscriber) }
    }

    /// Readies the watch to send its markers through `database`'s pool. It listens from the first time it is asked
    /// whether it is current: a process that never reads a feed (an operator's command) keeps no connection for it.
    func prepare(sendingThrough database: PostgresDatabase) {
        sender.withLock { $0.database = database }
    }

    private func startIfNeeded() {
        runner.withLock { runner in
            guard runner == nil, !state.withLock({ $0.stopped }) else { return }
            let configuration = configuration
            runner = Task { [weak self] in
                var attempt: UInt64 = 0
                while !Task.isCancelled {
                    guard let self, !self.state.withLock({ $0.stopped }) else { return }
                    attempt += 1
                    // Random only to tell this process's markers from another's on the shared channel.
                    await self.listen(configuration, session: "darkroom changes \(UInt32.random(in: 0...UInt32.max)) \(attempt)")
                    self.loseTrack()
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        }
    }

    /// Whether every change committed before `staleness` ago, and every change this process made, has been
    /// handed to the subscriber.
    public var isCurrent: Bool {
        startIfNeeded()
        let now = ContinuousClock.now
        return state.withLock { state in
            guard state.session != nil, let asOf = state.currentAsOf, now - asOf < Self.staleness else { return false }
            return state.lastLocalWrite.map { asOf > $0 } ?? true
        }
    }

    /// The listening connection's `application_name`, while it listens.
    public var session: String? { state.withLock { $0.session } }

    /// A statement or transaction of this process that may have written has ended: what it changed may be unknown
    /// here until the next marker is back.
    func noteLocalWrite() {
        state.withLock { $0.lastLocalWrite = .now }
        kick()
    }

    func close() async {
        state.withLock { $0.stopped = true }
        let task = runner.withLock { $0 }
        task?.cancel()
        kick()
        await task?.value
    }

    private func loseTrack() {
        state.withLock { state in
            state.session = nil
            state.currentAsOf = nil
            state.sentMarkers = [:]
        }
        for subscriber in subscribers.withLock({ $0 }) { subscriber.lostTrack() }
    }

    /// Listens on one connection until it fails, a marker is lost, or the watch closes.
    private func listen(
        _ configuration: PostgresConnection.Configuration,
        session: String
    ) async {
        let connection: PostgresConnection
        do {
            connection = try await NoticeListener.connect(configuration, named: session, id: 3_000_000, logger: logger)
        } catch {
            return
        }
        do {
            try await connection.listen(on: Self.channel) { notices in
                // Listening from here on: what any transaction commits from now is delivered.
                state.withLock { $0.session = session }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { try await self.receive(notices, session: session) }
                    group.addTask { try await self.sendMarkers(session: session) }
                    group.addTask { try await self.watchMarkers() }
                    defer { group.cancelAll() }
                    _ = try await group.next()
                }
            }
        } catch {
            logger.debug("change notices stopped: \(error)")
        }
        try? await connection.close()
    }

    private func receive(_ notices: PostgresNotificationSequence, session: String) async throws {
        let markerPrefix = "marker \(session) "
        for try await notice in notices {
            if notice.payload.hasPrefix(markerPrefix), let number = UInt64(notice.payload.dropFirst(markerPrefix.count)) {
                state.withLock { state in
                    guard let sent = state.sentMarkers.removeValue(forKey: number) else { return }
                    state.sentMarkers = state.sentMarkers.filter { $0.key > number }
                    state.currentAsOf = sent
                }
            } else if !notice.payload.hasPrefix("marker ") {
                for subscriber in subscribers.withLock({ $0 }) { subscriber.changed(notice.payload[...]) }
            }
        }
    }

    /// Sends a marker every `heartbeat` and after each local commit.
    private func sendMarkers(session: String) async throws {
        while !Task.isCancelled {
            await pause(upTo: Self.heartbeat)
            let number = state.withLock { state -> UInt64 in
                state.nextMarker += 1
                state.sentMarkers[state.nextMarker] = .now
                return state.nextMarker
            }
            do {
                let payload = "marker \(session) \(number)"
                guard let database = sender.withLock({ $0.database }) else { throw DatabaseError.unavailable("the database is closed") }
                _ = try await database.pooled("SELECT pg_notify(\(Self.channel), \(payload))")
            } catch {
                // Not sent (the database restarting): not awaited either; the next one is tried.
                _ = state.withLock { $0.sentMarkers.removeValue(forKey: number) }
            }
        }
    }

    /// Fails when a marker has not come back within `markerTimeout` (a connection that stopped answering).
    private func watchMarkers() async throws {
        while true {
            try await Task.sleep(for: .seconds(1))
            let oldest = state.withLock { $0.sentMarkers.values.min() }
            if let oldest, ContinuousClock.now - oldest > Self.markerTimeout {
                throw DatabaseError.unavailable("change notices: no marker back in \(Self.markerTimeout)")
            }
        }
    }

    /// Wakes the marker loop (a local commit, or closing), or has its next pause end at once.
    private func kick() {
        let waiter = kicks.withLock { kicks -> CheckedContinuation<Void, Never>? in
            guard let waiter = kicks.waiter else {
                kicks.pending = true
                return nil
            }
            kicks.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns after `timeout`, or sooner when kicked. (A timer on the event loop rather than a sleeping task: a pause
    /// here must end whether or not its task is cancelled.)
    private func pause(upTo timeout: TimeAmount) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let round = kicks.withLock { kicks -> UInt64? in
                if kicks.pending {
                    kicks.pending = false
                    return nil
                }
                kicks.round += 1
                kicks.waiter = continuation
                return kicks.round
            }
            guard let round else { return continuation.resume() }
            MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: timeout) { [weak self] in
                let waiter = self?.kicks.withLock { kicks -> CheckedContinuation<Void, Never>? in
                    guard kicks.round == round, let waiter = kicks.waiter else { return nil }
                    kicks.waiter = nil
                    return waiter
                }
                waiter?.resume()
            }
        }
    }

    private struct Kicks {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var round: UInt64 = 0
    }
}
