import Crypto
import DarkroomCore
import Foundation

/// What a backup folder holds, written last (`manifest.json`): a folder without one is an unfinished backup.
public struct BackupManifest: Codable, Sendable, Equatable {
    public struct File: Codable, Sendable, Equatable {
        /// Relative to the backup folder.
        public var path: String
        public var bytes: Int64
        public var sha256: String
    }

    public static let currentFormat = 1

    public var format = Self.currentFormat
    /// `sqlite` or `postgres`: a backup restores to the engine it came from.
    public var engine: String
    public var schemaVersion: Int
    public var createdAt: Int64
    /// The database copy: `darkroom.sqlite`, or `database.pgdump` (pg_dump's custom format).
    public var database: File
    /// Every photo file the copy names, under `media/`, and every original it names, under `originals/`.
    public var files: [File]
    /// Keys the copy names whose files were already gone when they were copied (a photo deleted while the backup ran).
    public var missingKeys: [String]
}

public enum BackupError: Error, CustomStringConvertible {
    case targetNotEmpty(String)
    case notABackup(String)
    case checksumMismatch(String)
    case wrongEngine(backup: String, target: String)
    case tool(String)

    public var description: String {
        switch self {
        case .targetNotEmpty(let what): "\(what) is not empty; restore into an empty one, or pass --force to replace what is there"
        case .notABackup(let folder): "\(folder) holds no manifest.json: not a finished Darkroom backup"
        case .checksumMismatch(let path): "\(path) does not match its checksum in the manifest: the backup is damaged"
        case .wrongEngine(let backup, let target): "this is a backup of a \(backup) database; it cannot be restored to \(target)"
        case .tool(let message): message
        }
    }
}

/// Backups that restore: a consistent copy of the database taken while the server runs, the photo files that copy
/// names, and a manifest with a checksum of each.
///
/// SQLite: `VACUUM INTO` writes a consistent, compact copy from one read transaction; the files are those the copy
/// names. PostgreSQL: a repeatable-read transaction exports its snapshot, `pg_dump --snapshot` dumps exactly that, and
/// the file keys are read in the same snapshot. Photo files are never rewritten under a key, so copying them after the
/// snapshot copies what the snapshot saw — unless a photo is deleted meanwhile, which the manifest records.
public struct Backup: Sendable {
    public let dataDirectory: String
    /// A postgres:// URL, or nil for SQLite in `dataDirectory`.
    public let databaseURL: String?
    let environment: SystemEnvironment

    public init(dataDirectory: String, databaseURL: String?, environment: SystemEnvironment) {
        self.dataDirectory = dataDirectory
        self.databaseURL = databaseURL?.isEmpty == true ? nil : databaseURL
        self.environment = environment
    }

    private var mediaRoot: String { dataDirectory + "/media" }
    private var sqlitePath: String { dataDirectory + "/darkroom.sqlite" }

    // MARK: - Taking a backup

    /// Writes a backup into `folder`, which must be missing or empty.
    public func write(to folder: String) async throws -> BackupManifest {
        try Self.requireEmptyFolder(folder)
        try FileSystem.makeDirectory(folder)
        do {
            return try await writeInto(folder)
        } catch {
            // What was written is no backup; the folder is left as it was given, empty.
            for entry in FileSystem.list(folder) { FileSystem.removeTree(folder + "/" + entry) }
            throw error
        }
    }

    private func writeInto(_ folder: String) async throws -> BackupManifest {
        let snapshot: (database: BackupManifest.File, keys: [String], schemaVersion: Int)
        if let databaseURL {
            snapshot = try await dumpPostgres(databaseURL, into: folder)
        } else {
            snapshot = try copySQLite(into: folder)
        }
        var files: [BackupManifest.File] = []
        var missing: [String] = []
        for key in snapshot.keys.sorted() where OriginalFiles.isKey(key) {
            let relative = "originals/" + key
            guard FileManager.default.fileExists(atPath: dataDirectory + "/" + relative) else {
                missing.append(key)
                continue
            }
            try FileSystem.makeDirectory((folder + "/" + relative as NSString).deletingLastPathComponent)
            try FileManager.default.copyItem(atPath: dataDirectory + "/" + relative, toPath: folder + "/" + relative)
            try FileSystem.makePrivate(folder + "/" + relative)
            files.append(try Self.describe(relative, in: folder))
        }
        for key in snapshot.keys.sorted() where MediaFiles.isKey(key) {
            let source = mediaRoot + "/" + key
            let names = FileSystem.list(source).sorted()
            if names.isEmpty {
                missing.append(key)
                continue
            }
            try FileSystem.makeDirectory(folder + "/media/" + key)
            for name in names {
                let relative = "media/" + key + "/" + name
                try FileManager.default.copyItem(atPath: source + "/" + name, toPath: folder + "/" + relative)
                try FileSystem.makePrivate(folder + "/" + relative)
                files.append(try Self.describe(relative, in: folder))
            }
        }
        let manifest = BackupManifest(
            engine: databaseURL == nil ? SQLEngine.sqlite.rawValue : SQLEngine.postgres.rawValue,
            schemaVersion: snapshot.schemaVersion,
            createdAt: environment.nowSeconds,
            database: snapshot.database,
            files: files,
            missingKeys: missing
        )
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try FileSystem.writeDurably(Array(try encoder.encode(manifest)), to: folder + "/manifest.json")
        return manifest
    }

    /// Rendition keys (folders under `media/`) and originals (files under `originals/`, told apart by their form).
    private static let keysQuery: SQL = """
        SELECT image_key FROM media UNION SELECT image_key FROM media_items
        UNION SELECT profile_picture FROM users WHERE profile_picture IS NOT NULL
        UNION SELECT original_key FROM media WHERE original_key IS NOT NULL
        UNION SELECT original_key FROM media_items WHERE original_key IS NOT NULL
        UNION SELECT original_key FROM video_uploads WHERE state = 'processing'
        """

    private func copySQLite(into folder: String) throws -> (database: BackupManifest.File, keys: [String], schemaVersion: Int) {
        let copy = folder + "/darkroom.sqlite"
        // VACUUM INTO writes only the new file, but SQLite wants a connection that could write (WAL lets it run beside
        // the server's).
        guard FileManager.default.fileExists(atPath: sqlitePath) else { throw BackupError.tool("no database at \(sqlitePath)") }
        let source = try SQLiteConnection(path: sqlitePath, readOnly: false)
        // VACUUM INTO fills an empty file it is given, keeping its mode.
        try FileSystem.createPrivateFile(copy)
        _ = try source.run("VACUUM INTO \(copy)")
        let copied = try SQLiteConnection(path: copy, readOnly: true)
        let keys = try copied.run(Self.keysQuery).decode { try $0.string() }
        let version = Int(try copied.run("SELECT max(version) FROM schema_migrations").scalarInt() ?? 0)
        return (try Self.describe("darkroom.sqlite", in: folder), keys, version)
    }

    private func dumpPostgres(_ url: String, into folder: String) async throws -> (database: BackupManifest.File, keys: [String], schemaVersion: Int)
    {
        guard let parsed = PostgresURL(url) else { throw DatabaseError.badURL(url) }
        let database = try PostgresDatabase(url: url, maximumConnections: 1)
        defer { Task { await database.close() } }
        let dumpFile = folder + "/database.pgdump"
        let (keys, version) = try await database.transaction { tx in
            try await tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            let snapshot = try await tx.query("SELECT pg_export_snapshot()").decodeFirst { try $0.string() } ?? ""
            var arguments = ["--format=custom", "--no-owner", "--snapshot=\(snapshot)", "--file=\(dumpFile)"]
            if let schema = parsed.searchPath { arguments.append("--schema=\(schema)") }
            try FileSystem.createPrivateFile(dumpFile)
            try await PostgresTools.run("pg_dump", arguments + [parsed.libpqURL], password: parsed.password)
            try FileSystem.makePrivate(dumpFile)
            let keys = try await tx.query(Self.keysQuery).decode { try $0.string() }
            let version = Int(try await tx.query("SELECT max(version) FROM schema_migrations").scalarInt() ?? 0)
            return (keys, version)
        }
        return (try Self.describe("database.pgdump", in: folder), keys, version)
    }

    // MARK: - Restoring

    /// Brings the data directory (and, for PostgreSQL, the database) to the backup's state. Refuses a target that
    /// holds data unless `force`, and a backup whose files do not match their checksums whatever `force` says.
    public func restore(from folder: String, force: Bool) async throws -> BackupManifest {
        let manifest = try Self.verify(folder)
        let target = databaseURL == nil ? SQLEngine.sqlite.rawValue : SQLEngine.postgres.rawValue
        guard manifest.engine == target else { throw BackupError.wrongEngine(backup: manifest.engine, target: target) }
        let mediaInUse = !FileSystem.list(mediaRoot + "/m").isEmpty || !FileSystem.list(mediaRoot + "/p").isEmpty
        if mediaInUse, !force { throw BackupError.targetNotEmpty("the media folder \(mediaRoot)") }
        if let databaseURL {
            try await restorePostgres(databaseURL, from: folder + "/" + manifest.database.path, force: force)
        } else {
            let existing = ["", "-wal", "-shm"].filter { FileManager.default.fileExists(atPath: sqlitePath + $0) }
            if !existing.isEmpty, !force { throw BackupError.targetNotEmpty("the database \(sqlitePath)") }
            try FileSystem.makeDirectory(dataDirectory)
            for suffix in existing { try FileManager.default.removeItem(atPath: sqlitePath + suffix) }
            let incoming = sqlitePath + ".restoring"
            try? FileManager.default.removeItem(atPath: incoming)
            try FileManager.default.copyItem(atPath: folder + "/" + manifest.database.path, toPath: incoming)
            try FileSystem.makePrivate(incoming)
            try FileSystem.rename(incoming, to: sqlitePath)
        }
        for kind in MediaFiles.Kind.allCases { FileSystem.removeTree(mediaRoot + "/" + kind.rawValue) }
        FileSystem.removeTree(dataDirectory + "/originals")
        for file in manifest.files {
            let destination = dataDirectory + "/" + file.path
            try FileSystem.makeDirectory((destination as NSString).deletingLastPathComponent)
            try FileManager.default.copyItem(atPath: folder + "/" + file.path, toPath: destination)
            try FileSystem.makePrivate(destination)
        }
        return manifest
    }

    private func restorePostgres(_ url: String, from dump: String, force: Bool) async throws {
        guard let parsed = PostgresURL(url) else { throw DatabaseError.badURL(url) }
        let database = try PostgresDatabase(url: url, maximumConnections: 1)
        let tables =
            try await database.query(
                """
                SELECT count(*) FROM information_schema.tables WHERE table_schema = \(parsed.searchPath ?? "public")
                """
            ).scalarInt() ?? 0
        await database.close()
        if tables > 0, !force { throw BackupError.targetNotEmpty("the database's schema \(parsed.searchPath ?? "public")") }
        // The target is empty (or the operator said to replace it): --clean drops what the dump is about to create.
        try await PostgresTools.run(
            "pg_restore",
            ["--clean", "--if-exists", "--no-owner", "--exit-on-error", "--single-transaction", "--dbname=\(parsed.libpqURL)", dump],
            password: parsed.password
        )
    }

    // MARK: - Checksums

    /// The manifest of a finished backup whose every file matches its checksum.
    public static func verify(_ folder: String) throws -> BackupManifest {
        guard let data = FileManager.default.contents(atPath: folder + "/manifest.json") else { throw BackupError.notABackup(folder) }
        let manifest = try JSONDecoder().decode(BackupManifest.self, from: data)
        guard manifest.format == BackupManifest.currentFormat else { throw BackupError.notABackup(folder) }
        for file in [manifest.database] + manifest.files {
            // Paths come from a file anyone could edit: nothing outside the backup folder is ever read.
            guard !file.path.hasPrefix("/"), !file.path.split(separator: "/").contains("..") else { throw BackupError.notABackup(folder) }
            guard (try? describe(file.path, in: folder)) == file else { throw BackupError.checksumMismatch(file.path) }
        }
        return manifest
    }

    static func describe(_ relative: String, in folder: String) throws -> BackupManifest.File {
        guard let handle = FileHandle(forReadingAtPath: folder + "/" + relative) else { throw BackupError.checksumMismatch(relative) }
        defer { try? handle.close() }
        var hash = SHA256()
        var bytes: Int64 = 0
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
            hash.update(data: chunk)
            bytes += Int64(chunk.count)
        }
        return BackupManifest.File(path: relative, bytes: bytes, sha256: Hex.encode(hash.finalize()))
    }

    static func requireEmptyFolder(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) else { return }
        guard isDirectory.boolValue, FileSystem.list(folder).isEmpty else { throw BackupError.targetNotEmpty(folder) }
    }
}
