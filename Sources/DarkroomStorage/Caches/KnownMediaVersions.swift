import DarkroomCore
import Synchronization

/// The versions of media this process has read from PostgreSQL, forgotten as the database's change notices say they
/// moved (`ChangeWatch`; the `media_changed` trigger sends one for each media whose version moves or that is deleted).
///
/// **Valid while** the notices are current (`ChangeWatch.isCurrent`: every change committed by another process more
/// than a second ago, and every change this process made, has been heard): `begin()` answers nil otherwise, and the
/// feed reads versions with its page. Losing the listening connection forgets everything.
///
/// It lets the home feed's statement read only the page's ids and the viewer's likes: joining `media` for the versions
/// was about 40% of PostgreSQL's work for the feed (`pgbench -M prepared`, 13,500 statements a second with the join
/// against 24,000 without, on the 2-core machine). A version read from the database is kept only if no notice for
/// that media arrived after the read began, so a change committed meanwhile is never hidden.
public final class KnownMediaVersions: ChangeSubscriber {
    /// Past this many, all are forgotten (about 60 bytes each).
    static let capacity = 1_000_000
    /// Past this many remembered notices, they are forgotten too, and reads begun before are not kept.
    static let noticesKept = 100_000

    /// A read of versions from the database, begun while the notices were current.
    public struct Reading: Sendable {
        let epoch: UInt64
        let notice: UInt64
    }

    private struct State {
        var versions: [MediaID: Int64] = [:]
        /// The number of the last notice about each media (lately).
        var lastNotice: [MediaID: UInt64] = [:]
        var notices: UInt64 = 0
        /// Moves when notices may have been missed or were forgotten: reads begun before are not kept.
        var epoch: UInt64 = 0
    }

    private let state = Mutex(State())
    private let lookups = CacheCounters(cache: "media_versions")
    /// Weak, since the watch holds this as its subscriber.
    private struct WatchReference { weak var watch: ChangeWatch? }
    private let watch = Mutex(WatchReference())

    /// Nil for a test of the bookkeeping alone.
    init(watching watch: ChangeWatch?) {
        self.watch.withLock { $0.watch = watch }
        watch?.subscribe(self)
    }

    /// The `application_name` of the connection listening for the notices, while one does.
    public var listeningSession: String? { watch.withLock { $0.watch }?.session }

    /// Begins a read: nil when the notices are not current, and the versions here are not to be trusted.
    public func begin() -> Reading? {
        let reading = state.withLock { Reading(epoch: $0.epoch, notice: $0.notices) }
        guard watch.withLock({ $0.watch })?.isCurrent == true else { return nil }
        return reading
    }

    /// The known version of each media, nil where none is known.
    public func versions(of ids: [MediaID]) -> [Int64?] {
        let versions = state.withLock { state in ids.map { state.versions[$0] } }
        let known = versions.count { $0 != nil }
        lookups.record(hits: known, misses: versions.count - known)
        return versions
    }

    /// Keeps versions read from the database during `reading`, except those a notice has since said moved.
    public func learn(_ found: [(id: MediaID, version: Int64)], during reading: Reading) {
        state.withLock { state in
            guard state.epoch == reading.epoch else { return }
            if state.versions.count + found.count > Self.capacity { state.versions = [:] }
            for (id, version) in found where (state.lastNotice[id] ?? 0) <= reading.notice {
                state.versions[id] = version
            }
        }
    }

    public func changed(_ notice: Substring) {
        guard notice.hasPrefix("media "), let id = Int64(notice.dropFirst("media ".count)) else { return }
        state.withLock { state in
            state.notices += 1
            state.versions.removeValue(forKey: MediaID(id))
            if state.lastNotice.count >= Self.noticesKept {
                state.lastNotice = [:]
                state.epoch += 1
            }
            state.lastNotice[MediaID(id)] = state.notices
        }
    }

    public func lostTrack() {
        state.withLock { state in
            state.versions = [:]
            state.lastNotice = [:]
            state.epoch += 1
        }
    }
}
