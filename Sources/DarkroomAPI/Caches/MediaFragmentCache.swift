import DarkroomCore
import DarkroomStorage
import Synchronization

/// Rendered media objects (`MediaSerializer`'s output).
///
/// **Valid for** one `media.version` (and, for a private account's media, the hour its signed links last): lists look
/// up the version the database holds now, and every write that changes what a media shows moves it
/// (`MediaVersion`), so a copy is never served after its media changed — whichever process changed it.
final class MediaFragmentCache: Sendable {
    private let entries = Mutex<[MediaID: MediaFragment]>([:])
    private let capacity: Int
    private let lookups = CacheCounters(cache: "media_objects")

    /// - Parameter capacity: how many objects to keep (about 2 KB each); past it, half are dropped.
    init(capacity: Int = 100_000) { self.capacity = capacity }

    /// The cached rendering of each stamp's media at that version (and, for a private account's media, made in this
    /// `epoch`, as its signed links are), or nil where there is none; one lock for the page.
    func fragments(for stamps: [MediaStamp], epoch: Int64) -> [MediaFragment?] {
        let found = entries.withLock { entries in
            stamps.map { stamp -> MediaFragment? in
                guard let fragment = entries[stamp.id], fragment.version == stamp.version, fragment.epoch == 0 || fragment.epoch == epoch
                else { return nil }
                return fragment
            }
        }
        let hits = found.reduce(0) { $0 + ($1 == nil ? 0 : 1) }
        lookups.record(hits: hits, misses: found.count - hits)
        return found
    }

    func store(_ fragments: [(MediaID, MediaFragment)]) {
        entries.withLock { entries in
            if entries.count + fragments.count > capacity {
                // Dropping an arbitrary half is cheaper than tracking recency on every hit, and good enough here.
                for key in entries.keys.prefix(entries.count / 2) { entries.removeValue(forKey: key) }
            }
            for (id, fragment) in fragments {
                if let current = entries[id], current.version > fragment.version { continue }
                entries[id] = fragment
            }
        }
    }
}
