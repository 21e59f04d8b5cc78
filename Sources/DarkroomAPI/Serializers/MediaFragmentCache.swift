import DarkroomCore
import DarkroomStorage
import Synchronization

/// Rendered media objects, each valid for one version of its media. Lists look up the version the database
/// holds now, so a copy is never served after its media changed — whichever process changed it.
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

/// Renders media lists: cached objects where their version still matches, the rest loaded and rendered once.
struct MediaListRenderer {
    let storage: DarkroomStorage.Storage
    let cache: MediaFragmentCache
    let serializer: MediaSerializer

    /// - Parameter hidingBlocked: a viewer involved in blocks: its samples are filtered for it and never cached.
    func render(_ stamps: [MediaStamp], hidingBlocked: UserID?) async throws -> [(id: MediaID, fragment: MediaFragment, viewerHasLiked: Bool?)] {
        if let hidingBlocked {
            let loaded = try await storage.media.hydrate(stamps.map(\.id), viewer: nil, hidingBlocked: hidingBlocked)
            let byID = Dictionary(loaded.map { ($0.id, serializer.fragment($0)) }, uniquingKeysWith: { first, _ in first })
            return stamps.compactMap { stamp in byID[stamp.id].map { (stamp.id, $0, stamp.viewerHasLiked) } }
        }
        var fragments = cache.fragments(for: stamps, epoch: serializer.links.signing.epoch)
        let missing = zip(stamps, fragments).compactMap { $1 == nil ? $0.id : nil }
        if !missing.isEmpty {
            let loaded = try await storage.media.hydrate(missing, viewer: nil).map { ($0.id, serializer.fragment($0)) }
            cache.store(loaded)
            let byID = Dictionary(loaded, uniquingKeysWith: { first, _ in first })
            for index in fragments.indices where fragments[index] == nil { fragments[index] = byID[stamps[index].id] }
        }
        // A media deleted between the page's query and now has no rendering and is left out.
        return zip(stamps, fragments).compactMap { stamp, fragment in fragment.map { (stamp.id, $0, stamp.viewerHasLiked) } }
    }
}
