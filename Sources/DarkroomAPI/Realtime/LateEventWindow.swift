import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// Where a stream reads from. Ids are taken when a write begins and its rows show when it commits, so a post whose
/// transaction was slow can commit after one with a larger id was already sent: a cursor at the largest id sent would
/// skip it. So each look reads from `lateCommitSeconds` before that cursor (never before where the stream started) and
/// sends only what it has not sent yet.
struct LateEventWindow {
    static let lateCommitSeconds: Int64 = 5
    let start: Int64
    private(set) var cursor: Int64
    /// Ids sent at or after `floor`, ascending.
    private var recent: [Int64] = []

    init(start: Int64) {
        self.start = start
        cursor = start
    }

    var floor: Int64 {
        guard cursor > start else { return start }
        let seconds = IDGenerator.milliseconds(of: cursor) / 1000 - Self.lateCommitSeconds
        return max(start, IDGenerator.lowerBound(unixSeconds: seconds) - 1)
    }

    var sentCount: Int { recent.count }

    func unsent(_ page: [LiveEvents.Event]) -> [LiveEvents.Event] {
        let known = Set(recent)
        return page.filter { !known.contains($0.id) }
    }

    mutating func sent(_ events: [LiveEvents.Event]) {
        recent = (recent + events.map(\.id)).sorted()
        cursor = max(cursor, recent.last ?? cursor)
        let floor = self.floor
        recent.removeAll { $0 <= floor }
    }
}
