import ArgumentParser
import DarkroomCore
import DarkroomStorage
import Foundation
import Logging

/// `--data-dir` and `--database-url`, which every subcommand takes.
public struct StorageOptions: ParsableArguments, Sendable {
    public init() {}

    @Option(help: "Folder for the SQLite database and media files (env DARKROOM_DATA_DIR).")
    public var dataDir: String = environment("DARKROOM_DATA_DIR") ?? "./data"

    @Option(help: "A postgres:// URL to use PostgreSQL instead of SQLite (env DARKROOM_DATABASE_URL).")
    public var databaseURL: String = environment("DARKROOM_DATABASE_URL") ?? ""

    /// Opens the database, applying pending migrations.
    public func open(environment: SystemEnvironment = .live(), migrate: Bool = true, replicaURLs: [String] = []) async throws -> Storage {
        do {
            return try await Storage.open(
                databaseURL: databaseURL.isEmpty ? nil : databaseURL,
                replicaURLs: replicaURLs,
                dataDirectory: dataDir,
                environment: environment,
                migrate: migrate
            )
        } catch let error as DatabaseError {
            throw ValidationError(error.description)
        }
    }

    /// Opens the storage, runs `body` with it, and closes it whatever happens.
    public func withStorage<T>(
        environment: SystemEnvironment = .live(),
        migrate: Bool = true,
        _ body: (Storage) async throws -> T
    ) async throws -> T {
        let opened = try await open(environment: environment, migrate: migrate)
        do {
            let result = try await body(opened)
            await opened.database.close()
            return result
        } catch {
            await opened.database.close()
            throw error
        }
    }
}

public func environment(_ name: String) -> String? {
    ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
}

/// Prints a JSON object for the operator commands.
public func printJSON(_ object: [String: Any]) throws {
    let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
    print(String(decoding: data, as: UTF8.self))
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
