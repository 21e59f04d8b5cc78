import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// One connection that `LISTEN`s on every channel asked for, for as long as the database is open, calling a channel's
/// handler for each notice on it and every handler whenever it (re)connects, since notices sent while it was away are
/// lost. A lost connection is made anew a second later. One connection for all channels: each process (and each test
/// world) holds as few of the server's connections as it can.
final class NoticeListener: Sendable {
    private struct State {
        var handlers: [String: @Sendable () -> Void] = [:]
        var running: Task<Void, Never>?
        var closed = false
    }

    private let state = Mutex(State())
    private let configuration: PostgresConnection.Configuration
    private let logger: Logger

    init(configuration: PostgresConnection.Configuration, logger: Logger) {
        (self.configuration, self.logger) = (configuration, logger)
    }

    /// Starts listening on `channel` too (the first handler for a channel is kept). The connection is made anew with
    /// the whole set, once the one before it has closed.
    func add(channel: String, onNotice: @escaping @Sendable () -> Void) {
        state.withLock { state in
            guard !state.closed, state.handlers[channel] == nil else { return }
            state.handlers[channel] = onNotice
            let (previous, handlers) = (state.running, state.handlers)
            previous?.cancel()
            state.running = Task { [configuration, logger] in
                await previous?.value
                await Self.listen(to: handlers, configuration: configuration, logger: logger)
            }
        }
    }

    func close() async {
        let running = state.withLock { state in
            state.closed = true
            return state.running
        }
        running?.cancel()
        await running?.value
    }

    private static func listen(
        to handlers: [String: @Sendable () -> Void],
        configuration: PostgresConnection.Configuration,
        logger: Logger
    ) async {
        let name = "darkroom " + handlers.keys.sorted().joined(separator: " ")
        while !Task.isCancelled {
            do {
                let connection = try await connect(configuration, named: name, id: 3_100_000, logger: logger)
                do {
                    try await withTaskCancellationHandler {
                        try await withThrowingTaskGroup(of: Void.self) { group in
                            for (channel, onNotice) in handlers {
                                group.addTask {
                                    try await connection.listen(on: channel) { notices in
                                        // Listening from here: whatever was sent before may have been missed.
                                        onNotice()
                                        for try await _ in notices { onNotice() }
                                    }
                                }
                            }
                            // One channel's end is the connection's: the rest are made anew with it.
                            try await group.next()
                            group.cancelAll()
                        }
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    }
                } catch {
                    logger.debug("notices on \(name) stopped: \(error)")
                }
                // Closed (and waited for) whichever way listening ended: PostgresNIO asserts as much when it is freed.
                try? await connection.close()
            } catch {
                logger.debug("notices on \(name) could not connect: \(error)")
            }
            for onNotice in handlers.values { onNotice() }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// A connection of its own, outside the pool, named in `pg_stat_activity` (`application_name`) for whoever looks.
    static func connect(
        _ configuration: PostgresConnection.Configuration,
        named name: String,
        id: Int,
        logger: Logger
    ) async throws -> PostgresConnection {
        var configuration = configuration
        configuration.options.additionalStartupParameters.append(("application_name", name))
        return try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(),
            configuration: configuration,
            id: id,
            logger: logger
        )
        .get()
    }
}
