import Logging
import NIOPosix
import PostgresNIO
import Synchronization

/// One connection that `LISTEN`s on a channel for as long as the database is open, calling `onNotice` for each
/// notice and once whenever it (re)connects, since notices sent while it was away are lost. A lost connection is
/// made anew a second later.
final class NoticeListener: Sendable {
    private let task: Mutex<Task<Void, Never>?>

    init(channel: String, configuration: PostgresConnection.Configuration, onNotice: @escaping @Sendable () -> Void, logger: Logger) {
        task = Mutex(nil)
        let running = Task {
            while !Task.isCancelled {
                do {
                    let connection = try await Self.connect(configuration, named: "darkroom \(channel)", id: 3_100_000, logger: logger)
                    try await withTaskCancellationHandler {
                        try await connection.listen(on: channel) { notices in
                            // Listening from here: whatever was sent before may have been missed.
                            onNotice()
                            for try await _ in notices { onNotice() }
                        }
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    }
                    try? await connection.close()
                } catch {
                    logger.debug("notices on \(channel) stopped: \(error)")
                }
                onNotice()
                try? await Task.sleep(for: .seconds(1))
            }
        }
        task.withLock { $0 = running }
    }

    func close() async {
        let running = task.withLock { $0 }
        running?.cancel()
        await running?.value
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
