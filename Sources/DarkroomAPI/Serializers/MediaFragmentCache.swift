import DarkroomCore
import Synchronization

/// Rendered media objects, each valid for one version of its media. Lists look up the version the database
/// holds now, so a copy is never served after its media changed — whichever process changed it.
final class MediaFragmentCache: Sendable {
    private let entries = Mutex<[MediaID: MediaFragment]>([:])
    private let capacity: Int

    /// - Parameter capacity: how many objects to keep (about 2 KB each); past it, half are dropped.
    init(capacity: Int = 100_000) { self.capacity = capacity }

    func fragment(for stamp: MediaStamp) -> MediaFragment? {
        entries.withLock { entries in
            guard let fragment = entries[stamp.id], fragment.version == stamp.version else { return nil }
            return fragment
        }
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

    func render(_ stamps: [MediaStamp]) async throws -> [(fragment: MediaFragment, viewerHasLiked: Bool?)] {
        var found: [MediaID: MediaFragment] = [:]
        var missing: [MediaID] = []
        for stamp in stamps {
            if let fragment = cache.fragment(for: stamp) { found[stamp.id] = fragment } else { missing.append(stamp.id) }
        }
        if !missing.isEmpty {
            let loaded = try await storage.media.hydrate(missing, viewer: nil).map { ($0.id, serializer.fragment($0)) }
            cache.store(loaded)
            for (id, fragment) in loaded { found[id] = fragment }
        }
        return stamps.compactMap { stamp in found[stamp.id].map { ($0, stamp.viewerHasLiked) } }
    }
}

import DarkroomStorage
