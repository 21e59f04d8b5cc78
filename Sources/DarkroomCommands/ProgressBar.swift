import DarkroomStorage
import Foundation
import Synchronization

/// A one-line progress bar on standard error, redrawn at most a few times a second.
public final class ProgressBar: BulkProgress {
    public init() {}

    private let lastDraw = Mutex<(phase: String, time: Double)>(("", 0))

    public func update(phase: String, done: Int, total: Int) {
        let now = Date().timeIntervalSince1970
        let shouldDraw = lastDraw.withLock { last in
            guard last.phase != phase || now - last.time > 0.2 else { return false }
            if last.phase != phase, !last.phase.isEmpty { FileHandle.standardError.write(Data("\n".utf8)) }
            last = (phase, now)
            return true
        }
        guard shouldDraw else { return }
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
        let line = "\r\(phase.padding(toLength: 18, withPad: " ", startingAt: 0)) [\(bar)] \(Int(fraction * 100))% (\(done)/\(total))"
        FileHandle.standardError.write(Data(line.utf8))
    }

    public func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
