import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage

struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Write a consistent copy of the database and the photos it names, with a manifest of checksums, while the server runs."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "A new or empty folder for the backup.") var to: String

    func run() async throws {
        let backup = Backup(dataDirectory: storage.dataDir, databaseURL: storage.databaseURL, environment: .live())
        do {
            let manifest = try await backup.write(to: to)
            try printJSON([
                "folder": to, "engine": manifest.engine, "schema_version": manifest.schemaVersion,
                "database_bytes": manifest.database.bytes, "files": manifest.files.count,
                "file_bytes": manifest.files.reduce(0) { $0 + $1.bytes }, "missing_keys": manifest.missingKeys,
            ])
        } catch let error as BackupError {
            throw ValidationError(error.description)
        }
    }
}

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Bring an empty data folder (and, with --database-url, an empty PostgreSQL database) back to a backup's state."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "The backup's folder.") var from: String
    @Flag(help: "Replace a database and photos that are already there.") var force = false

    func run() async throws {
        let backup = Backup(dataDirectory: storage.dataDir, databaseURL: storage.databaseURL, environment: .live())
        do {
            let manifest = try await backup.restore(from: from, force: force)
            // Opening applies any migration this build has beyond the backup's, and proves the copy is usable.
            let version = try await withStorage(storage) { try await Migrator(database: $0.database).currentVersion() }
            try printJSON([
                "restored_from": from, "engine": manifest.engine, "backup_schema_version": manifest.schemaVersion,
                "schema_version": version, "files": manifest.files.count,
            ])
        } catch let error as BackupError {
            throw ValidationError(error.description)
        }
    }
}
