import Foundation
import Synchronization

/// Runs FFmpeg's programs as child processes. A process rather than libavformat linked in: a hostile file can crash or
/// hang a decoder, and a crashed child costs one job where a crashed library would cost the server; a child can be
/// killed at its time limit, and it can run only when the cores are otherwise idle, so requests keep them.
package enum ChildProcess {
    package struct Outcome: Sendable {
        package var status: Int32
        package var output: [UInt8]
        /// The tail of what it wrote to stderr (FFmpeg's reason when it fails).
        package var errors: String
        package var timedOut: Bool
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
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-child-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let outputURL = scratch.appendingPathComponent("out")
        let errorURL = scratch.appendingPathComponent("err")
        _ = FileManager.default.createFile(atPath: outputURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // SCHED_IDLE (util-linux's `chrt`): the child runs only on a core nothing else wants, so a request never waits
        // behind it; a nice level alone still let a transcode's many threads hold a request back (`darkroom bench video`).
        process.arguments = (inBackground ? ["chrt", "--idle", "0"] : []) + [program] + arguments
        process.standardInput = FileHandle.nullDevice
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = try FileHandle(forWritingTo: outputURL)
        process.standardError = try FileHandle(forWritingTo: errorURL)
        let exit = Exit()
        process.terminationHandler = { exit.finish($0.terminationStatus) }
        try process.run()
        let pid = process.processIdentifier
        let timer = Task {
            try await Task.sleep(for: timeLimit)
            exit.markTimedOut()
            kill(pid, SIGKILL)
        }
        // A job given back at shutdown takes its child with it.
        let status = await withTaskCancellationHandler {
            await exit.status()
        } onCancel: {
            kill(pid, SIGKILL)
        }
        timer.cancel()
        let output = (try? Data(contentsOf: outputURL)).map { Array($0) } ?? []
        let errorBytes = (try? Data(contentsOf: errorURL)).map { Array($0.suffix(2000)) } ?? []
        return Outcome(status: status, output: output, errors: String(decoding: errorBytes, as: UTF8.self), timedOut: exit.timedOut)
    }

    /// The child's end, told by Foundation's termination handler on a thread of its own.
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

        func markTimedOut() { state.withLock { $0.timedOut = true } }
        var timedOut: Bool { state.withLock { $0.timedOut } }
    }
}
