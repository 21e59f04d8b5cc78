import Foundation
import Synchronization

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
    /// - Parameter timeout: the tool is killed, and this throws, when it runs longer. (A tool that hangs would otherwise hang its caller.)
    @discardableResult
    public static func run(_ tool: String, _ arguments: [String], password: String?, timeout: Duration? = nil) async throws -> String {
        try await withCheckedThrowingContinuation { continuation in
            Thread {
                // A child inherits its parent thread's blocked signals, and threads started from Swift's pool block them
                // all: pgbench, whose -T is an alarm, then never stopped. The tool gets a clean mask.
                var none = sigset_t()
                sigemptyset(&none)
                pthread_sigmask(SIG_SETMASK, &none, nil)
                continuation.resume(with: Result { try runBlocking(tool, arguments, password: password, timeout: timeout) })
            }.start()
        }
    }

    private static func runBlocking(_ tool: String, _ arguments: [String], password: String?, timeout: Duration?) throws -> String {
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
        let overran = Overran()
        let pid = process.processIdentifier
        let watchdog = DispatchWorkItem {
            overran.flag.store(true, ordering: .relaxed)
            kill(pid, SIGKILL)
        }
        if let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout / .milliseconds(1))), execute: watchdog) }
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        watchdog.cancel()
        if overran.flag.load(ordering: .relaxed), let timeout {
            throw BackupError.tool("\(tool) ran past \(timeout) and was stopped: \(printed)")
        }
        guard process.terminationStatus == 0 else {
            throw BackupError.tool("\(tool) failed (status \(process.terminationStatus)): \(printed)")
        }
        return printed
    }

    private final class Overran: Sendable {
        let flag = Atomic<Bool>(false)
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
