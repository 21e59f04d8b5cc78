import Foundation

/// PostgreSQL's own programs (`pg_dump`, `pg_restore`, `pgbench`), from `DARKROOM_PG_BIN`, the PATH, or Debian's place
/// for them.
public enum PostgresTools {
    /// A Darkroom URL as libpq reads it, without the password (give that in PGPASSWORD, never as an argument).
    public static func libpq(_ url: String) -> (url: String, password: String?)? {
        PostgresURL(url).map { ($0.libpqURL, $0.password) }
    }

    /// Runs a tool; answers what it printed (both streams). Throws with that when the tool fails. It waits for the
    /// tool on a thread of its own: tasks run on the server's event loops, and one blocked for the length of a dump or
    /// a pgbench run stalls every connection it serves.
    @discardableResult
    public static func run(_ tool: String, _ arguments: [String], password: String?) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try runBlocking(tool, arguments, password: password) }) }.start()
        }
    }

    private static func runBlocking(_ tool: String, _ arguments: [String], password: String?) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try path(of: tool))
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        // In the environment, not the URL: the process list shows arguments.
        if let password { environment["PGPASSWORD"] = password }
        process.environment = environment
        // One pipe for both streams: a single reader cannot stall the tool on the other pipe filling up.
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BackupError.tool("\(tool) failed (status \(process.terminationStatus)): \(printed)")
        }
        return printed
    }

    public static func path(of tool: String) throws -> String {
        var candidates: [String] = []
        if let directory = ProcessInfo.processInfo.environment["DARKROOM_PG_BIN"] { candidates.append(directory + "/" + tool) }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":") { candidates.append("\(directory)/\(tool)") }
        candidates.append("/usr/lib/postgresql/15/bin/" + tool)
        guard let found = candidates.first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else {
            throw BackupError.tool("\(tool) not found: install PostgreSQL's client programs (Debian: postgresql-client) or set DARKROOM_PG_BIN")
        }
        return found
    }
}
