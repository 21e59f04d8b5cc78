import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// The streams open on this server: per person and app, per person, and in all (`StreamLimits`).
final class OpenStreams: Sendable {
    private struct Counts {
        var perSlot: [String: Int] = [:]
        var perPerson: [UserID: Int] = [:]
        var total = 0
    }

    /// Which limit a stream that cannot open ran into.
    enum Refusal: Error { case perApp, perPerson, server }

    let limits: StreamLimits
    private let counts = Mutex(Counts())

    init(limits: StreamLimits) { self.limits = limits }

    func take(user: UserID, client: ClientRecordID) throws(Refusal) {
        let slot = Self.slot(user, client)
        try counts.withLock { (counts: inout Counts) throws(Refusal) in
            guard counts.perSlot[slot, default: 0] < StreamLimits.perApp else { throw .perApp }
            guard counts.perPerson[user, default: 0] < limits.perPerson else { throw .perPerson }
            guard counts.total < limits.perServer else { throw .server }
            counts.perSlot[slot, default: 0] += 1
            counts.perPerson[user, default: 0] += 1
            counts.total += 1
        }
    }

    func give(user: UserID, client: ClientRecordID) {
        let slot = Self.slot(user, client)
        counts.withLock { counts in
            let inSlot = (counts.perSlot[slot] ?? 1) - 1
            counts.perSlot[slot] = inSlot > 0 ? inSlot : nil
            let ofPerson = (counts.perPerson[user] ?? 1) - 1
            counts.perPerson[user] = ofPerson > 0 ? ofPerson : nil
            counts.total = max(counts.total - 1, 0)
        }
    }

    private static func slot(_ user: UserID, _ client: ClientRecordID) -> String { "\(user.rawValue) \(client.rawValue)" }
}
