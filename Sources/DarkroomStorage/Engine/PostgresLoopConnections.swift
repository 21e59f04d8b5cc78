import Dispatch
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// Connections of their own for each event loop, for lookups (a handful of rows by key) made on that loop.
///
/// Hand-written because of a measurement: through PostgresNIO's pool the feed's statement cost the client 163 µs of CPU
/// per call on the 2-core machine, 133 µs on a connection of the caller's loop (`bench statements`), and the feed
/// served 9% more requests (`bench feed`). The pool leases and releases with timers, and a statement's task moves to
/// the loop of whichever connection it leased and back; here the statement is written and its answer read on the
/// thread the request already runs on. A lookup waits at most behind the other lookups of its loop, which are as
/// short; anything longer, and every transaction, uses the pool.
final class PostgresLoopConnections: Sendable {
    private let lanes: [ObjectIdentifier: [Lane]]
    private let turn = Atomic<Int>(0)

    /// - Parameter perLoop: connections for each event loop of the process (0: none, lookups use the pool).
    init(configuration: PostgresConnection.Configuration, perLoop: Int, logger: Logger) {
        var lanes: [ObjectIdentifier: [Lane]] = [:]
        for (index, loop) in MultiThreadedEventLoopGroup.singleton.makeIterator().enumerated() {
            lanes[ObjectIdentifier(loop)] = (0..<perLoop).map {
                Lane(loop: loop, id: 1_000_000 + index * 1000 + $0, configuration: configuration, logger: logger)
            }
        }
        self.lanes = lanes
    }

    /// Runs `body` on a connection of `loop`, opened first if it is not open; nil when `loop` has none (it is not one
    /// of the process's event loops, or there are no such connections).
    func withConnection<T: Sendable>(
        of loop: (any EventLoop)?,
        _ body: (PostgresConnection) async throws -> T
    ) async throws -> T? {
        guard let loop, let lanes = lanes[ObjectIdentifier(loop)], !lanes.isEmpty else { return nil }
        let lane = lanes[turn.add(1, ordering: .relaxed).newValue % lanes.count]
        return try await lane.run(body)
    }

    /// Closes the connections that have had a statement outstanding for longer than `limit` (a server that stopped
    /// answering without closing them): what waits on them fails, as unavailable, and the next lookup connects anew.
    func closeStalled(after limit: Duration) {
        for lane in lanes.values.joined() { lane.closeIfStalled(after: limit) }
    }

    func close() async {
        for lane in lanes.values.joined() { await lane.shutDown() }
    }

    /// How many of `loop`'s connections are open, as far as this process has seen (tests wait on it).
    func openConnections(of loop: any EventLoop) -> Int {
        lanes[ObjectIdentifier(loop)]?.filter(\.isOpen).count ?? 0
    }

    private final class Lane: Sendable {
        private enum Connection {
            case closed
            case opening(EventLoopFuture<PostgresConnection>)
            case open(PostgresConnection)
            case shutDown
        }
        private struct State {
            var connection = Connection.closed
            var nextTicket: UInt64 = 0
            /// When each statement now outstanding began, by ticket.
            var outstanding: [UInt64: UInt64] = [:]
        }
        private let loop: any EventLoop
        private let id: Int
        private let configuration: PostgresConnection.Configuration
        private let logger: Logger
        private let state = Mutex(State())

        private enum Ready {
            case open(PostgresConnection)
            case opening(EventLoopFuture<PostgresConnection>)
        }

        init(loop: any EventLoop, id: Int, configuration: PostgresConnection.Configuration, logger: Logger) {
            (self.loop, self.id, self.configuration, self.logger) = (loop, id, configuration, logger)
        }

        func run<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
            let now = DispatchTime.now().uptimeNanoseconds
            let (ticket, ready) = try state.withLock { state -> (UInt64, Ready) in
                state.nextTicket += 1
                let ready: Ready
                switch state.connection {
                case .open(let connection) where !connection.isClosed:
                    ready = .open(connection)
                case .opening(let opening):
                    ready = .opening(opening)
                case .shutDown:
                    throw DatabaseError.unavailable("the database is closed")
                case .open, .closed:
                    // One the server or the network closed is replaced here, by the next lookup.
                    let opening = PostgresConnection.connect(on: loop, configuration: configuration, id: id, logger: logger)
                    state.connection = .opening(opening)
                    opening.whenComplete { [weak self] in self?.opened($0) }
                    ready = .opening(opening)
                }
                state.outstanding[state.nextTicket] = now
                return (state.nextTicket, ready)
            }
            defer { _ = state.withLock { $0.outstanding.removeValue(forKey: ticket) } }
            switch ready {
            case .open(let connection):
                // No suspension between the check that it is open and writing the statement: on the connection's own
                // loop, its closing cannot come in between (PostgresNIO would drop a statement written to a closed
                // connection unanswered).
                return try await body(connection)
            case .opening(let opening):
                let connection: PostgresConnection
                do {
                    connection = try await opening.get()
                } catch {
                    throw DatabaseError.unavailable("no connection: \(error)")
                }
                return try await body(connection)
            }
        }

        private func opened(_ result: Result<PostgresConnection, any Error>) {
            let unwanted: PostgresConnection? = state.withLock { state in
                guard case .opening = state.connection else { return try? result.get() }
                switch result {
                case .success(let connection): state.connection = .open(connection)
                case .failure: state.connection = .closed
                }
                return nil
            }
            unwanted.map(Self.close)
        }

        var isOpen: Bool {
            state.withLock { state in
                if case .open(let connection) = state.connection { return !connection.isClosed }
                return false
            }
        }

        func closeIfStalled(after limit: Duration) {
            let now = DispatchTime.now().uptimeNanoseconds
            let nanoseconds = UInt64(limit.components.seconds) * 1_000_000_000
            let stalled: PostgresConnection? = state.withLock { state in
                guard case .open(let connection) = state.connection, let oldest = state.outstanding.values.min(),
                    now &- oldest > nanoseconds
                else { return nil }
                state.connection = .closed
                return connection
            }
            stalled.map(Self.close)
        }

        /// Closes `connection` in the background, holding it until it is closed (PostgresNIO asserts that a connection
        /// is never released open).
        private static func close(_ connection: PostgresConnection) {
            connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
        }

        func shutDown() async {
            let open: PostgresConnection? = state.withLock { state in
                defer { state.connection = .shutDown }
                if case .open(let connection) = state.connection { return connection }
                return nil
            }
            try? await open?.close()
        }
    }
}
