import NIOCore
import NIOPosix
import Synchronization

/// Tells every live stream of this process that there may be something new for it: a post's feed entries, a fan-out
/// batch, new notifications. Streams wait on it instead of polling, so an idle stream costs a timer, not queries.
/// Other processes' writes arrive through the database's notices (`Database.listen`, PostgreSQL's `LISTEN`) when
/// the engine has them; the signal rings for those too.
public final class LiveSignal: Sendable {
    /// The channel writes announce themselves on (`LiveEvents.announce`).
    public static let channel = "darkroom_live"

    private struct State {
        var generation: UInt64 = 0
        var waiters: [UInt64: (after: UInt64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Counts every ring: a stream reads it before it looks for events, and waits past it.
    public var generation: UInt64 { state.withLock { $0.generation } }

    public func ring() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            let all = state.waiters.values.map(\.continuation)
            state.waiters = [:]
            return all
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once rung after `generation` was read, or after `timeout`. (A timer on an event loop rather than a
    /// sleeping task: a wait costs no task of its own, and ends whether or not its task is cancelled.)
    public func wait(after generation: UInt64, upTo timeout: Duration) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let id = state.withLock { state -> UInt64? in
                guard state.generation == generation else { return nil }
                state.nextWaiter &+= 1
                state.waiters[state.nextWaiter] = (generation, continuation)
                return state.nextWaiter
            }
            guard let id else { return continuation.resume() }
            MultiThreadedEventLoopGroup.singleton.next().scheduleTask(in: TimeAmount(timeout)) { [weak self] in
                self?.state.withLock { $0.waiters.removeValue(forKey: id) }?.continuation.resume()
            }
        }
    }

    /// Streams waiting now (for tests and metrics).
    public var waiting: Int { state.withLock { $0.waiters.count } }
}
