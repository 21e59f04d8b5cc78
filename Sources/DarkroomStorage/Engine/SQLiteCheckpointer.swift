import Foundation
import Synchronization

/// Copies the WAL back into the database file on a thread and connection of its own, when the writer reports the WAL
/// has grown past `threshold` pages. SQLite would otherwise checkpoint inside the commit that crosses it, holding up
/// the writer (and every write queued behind it) for the whole copy. The writer still finishes each checkpoint — the
/// few pages written since this pass began — since only a checkpoint that has copied every page lets the next write
/// start the WAL over; without it the WAL grows for as long as writes keep coming, and every read slows with it.
/// A checkpoint changes nothing about durability: what a commit acknowledged is already in the WAL.
final class SQLiteCheckpointer: @unchecked Sendable {
    /// SQLite's own default for its automatic checkpoint.
    static let threshold = 1000

    /// Set when a pass has left less than a quarter of the threshold uncopied: the writer's turn to finish.
    private let caughtUp = Atomic<Bool>(false)
    private let connection: SQLiteConnection
    // Guarded by `condition`.
    private var requested = false
    private var stopped = false
    private let condition = NSCondition()

    init(path: String) throws {
        connection = try SQLiteConnection(path: path, readOnly: false)
        let thread = Thread { [self] in run() }
        thread.name = "darkroom-sqlite-checkpoint"
        thread.start()
    }

    /// Asks for a checkpoint; requests made while one runs are answered by the next.
    func request() {
        condition.lock()
        requested = true
        condition.signal()
        condition.unlock()
    }

    /// Whether a pass has nearly caught up since the last call; the writer then checkpoints the rest itself.
    func takeCaughtUp() -> Bool {
        caughtUp.exchange(false, ordering: .acquiringAndReleasing)
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.signal()
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while !requested && !stopped { condition.wait() }
            if stopped {
                condition.unlock()
                return
            }
            requested = false
            condition.unlock()
            // PASSIVE: copies what no reader still needs and never waits on readers or the writer. A few passes, as
            // the writer keeps appending while one runs.
            for _ in 0..<4 {
                guard
                    let result = try? connection.run("PRAGMA wal_checkpoint(PASSIVE)").decodeFirst({ row in
                        _ = try row.int()
                        return (log: try row.int(), copied: try row.int())
                    })
                else { break }
                if result.log - result.copied < Int64(Self.threshold / 4) {
                    caughtUp.store(true, ordering: .releasing)
                    break
                }
            }
        }
    }
}
