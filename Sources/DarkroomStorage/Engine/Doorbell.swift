import Synchronization

/// Tells the job workers in this process that there may be work (a job was enqueued, or one ended and made room), so
/// they look at once; other processes' work arrives through the database's notices. A ring with nobody waiting is
/// kept for the next wait.
public final class Doorbell: Sendable {
    private struct State {
        var rung = false
        var waiting: [Signal] = []
    }

    private let state = Mutex(State())

    public init() {}

    public func ring() {
        let waiting = state.withLock { state -> [Signal] in
            if state.waiting.isEmpty { state.rung = true }
            defer { state.waiting = [] }
            return state.waiting
        }
        for signal in waiting { signal.fire() }
    }

    /// Returns when rung (or rung since the last wait), or when `timer` returns.
    public func wait(orUntil timer: @escaping @Sendable () async -> Void) async {
        // The waiter is registered before any task starts, so a ring between here and the task group's start is not
        // lost, and whichever side finishes first ends the other: the timer by cancellation, the ring by its signal.
        let signal = Signal()
        let rungBefore = state.withLock { state -> Bool in
            if state.rung {
                state.rung = false
                return true
            }
            state.waiting.append(signal)
            return false
        }
        if rungBefore { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await timer() }
            group.addTask { await signal.wait() }
            await group.next()
            // Off the list first: a ring from here on is kept for the next wait rather than spent on this one.
            state.withLock { $0.waiting.removeAll { $0 === signal } }
            signal.fire()
            group.cancelAll()
        }
    }
}

/// Fires once; a wait that starts after it fired returns at once.
private final class Signal: Sendable {
    private let state = Mutex<(fired: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func fire() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.fired = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let fired = state.withLock { state -> Bool in
                if state.fired { return true }
                state.waiter = continuation
                return false
            }
            if fired { continuation.resume() }
        }
    }
}
