import CSpawn
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Runs FFmpeg's programs as child processes. A process rather than libavformat linked in: a hostile file can crash or
/// hang a decoder, and a crashed child costs one job where a crashed library would cost the server; a child can be
/// killed at its time limit, and it can run only when the cores are otherwise idle, so requests keep them.
///
/// Started with `posix_spawnp` rather than Foundation's `Process`, whose `run()` crashed (a read past the end of its
/// list of the parent's open descriptors) when several children started at once in a process with many descriptors
/// open, as the test run's has. The child gets no descriptor of the server's beyond its standard three.
package enum ChildProcess {
    package struct Outcome: Sendable {
        package var status: Int32
        package var output: [UInt8]
        /// The tail of what it wrote to stderr (FFmpeg's reason when it fails).
        package var errors: String
        package var timedOut: Bool
    }

    package struct SpawnFailure: Error, CustomStringConvertible {
        package var program: String
        package var code: Int32
        package var description: String { "cannot start \(program): \(String(cString: strerror(code)))" }
    }

    /// Runs `program` (looked up on PATH) with `arguments`, in the background when asked, in `directory`, and kills it
    /// after `timeLimit`. Output goes through files, not pipes, so a child that writes much can never block on a full pipe.
    package static func run(
        _ program: String,
        _ arguments: [String],
        inBackground: Bool = false,
        in directory: String? = nil,
        timeLimit: Duration
    ) async throws -> Outcome {
        let scratch = NSTemporaryDirectory() + "darkroom-child-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let (outputPath, errorPath) = (scratch + "/out", scratch + "/err")
        // SCHED_IDLE (util-linux's `chrt`): the child runs only on a core nothing else wants, so a request never waits
        // behind it; a nice level alone still let a transcode's many threads hold a request back (`darkroom bench video`).
        let argv = (inBackground ? ["chrt", "--idle", "0"] : []) + [program] + arguments
        let pid = try spawn(argv, directory: directory, output: outputPath, errors: errorPath)
        let exit = Exit()
        DispatchQueue.global().async {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            // Exited: its code; killed by a signal: 128 and the signal, as a shell says it.
            exit.finish(status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F))
        }
        let timer = Task {
            try await Task.sleep(for: timeLimit)
            exit.killUnlessFinished(pid, timedOut: true)
        }
        // A job given back at shutdown takes its child with it.
        let status = await withTaskCancellationHandler {
            await exit.status()
        } onCancel: {
            exit.killUnlessFinished(pid, timedOut: false)
        }
        timer.cancel()
        let output = (try? Data(contentsOf: URL(fileURLWithPath: outputPath))).map { Array($0) } ?? []
        let errorBytes = (try? Data(contentsOf: URL(fileURLWithPath: errorPath))).map { Array($0.suffix(2000)) } ?? []
        return Outcome(status: status, output: output, errors: String(decoding: errorBytes, as: UTF8.self), timedOut: exit.timedOut)
    }

    private static func spawn(_ argv: [String], directory: String?, output: String, errors: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errors, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        if let directory { posix_spawn_file_actions_addchdir_np(&actions, directory) }
        posix_spawn_file_actions_addclosefrom_np(&actions, 3)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The child starts with no signal blocked and every signal's default action, whatever the server set.
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid = pid_t()
        let result = posix_spawnp(&pid, argv[0], &actions, &attributes, cArguments, environ)
        guard result == 0 else { throw SpawnFailure(program: argv[0], code: result) }
        return pid
    }

    /// The child's end, told by the thread that waits for it.
    private final class Exit: Sendable {
        private struct State {
            var status: Int32?
            var waiter: CheckedContinuation<Int32, Never>?
            var timedOut = false
        }
        private let state = Mutex(State())

        func finish(_ status: Int32) {
            let waiter = state.withLock { state in
                state.status = status
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume(returning: status)
        }

        func status() async -> Int32 {
            await withCheckedContinuation { continuation in
                let ended = state.withLock { state in
                    if state.status == nil { state.waiter = continuation }
                    return state.status
                }
                if let ended { continuation.resume(returning: ended) }
            }
        }

        /// Kills the child while it runs; never a pid that may since belong to another process.
        func killUnlessFinished(_ pid: pid_t, timedOut: Bool) {
            state.withLock { state in
                guard state.status == nil else { return }
                if timedOut { state.timedOut = true }
                kill(pid, SIGKILL)
            }
        }

        var timedOut: Bool { state.withLock { $0.timedOut } }
    }
}
