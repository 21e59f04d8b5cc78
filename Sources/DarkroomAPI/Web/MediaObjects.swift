import DarkroomCore
import DarkroomStorage
import Synchronization

/// Media objects as `MediaStore.hydrate` reads them, kept by id for as long as their version stands, so the feed page
/// reads only its stamps (one statement) when its photos are unchanged, as the API's feed does.
final class MediaObjects: Sendable {
    private let entries = Mutex<[MediaID: Media]>([:])
    private let capacity: Int
    private let lookups = CacheCounters(cache: "page_media")

    init(capacity: Int) { self.capacity = capacity }

    /// The media of `stamps`, in order, with the viewer's likes. For a viewer involved in blocks, samples of likers and
    /// comments are filtered for them, so nothing is shared.
    func media(_ stamps: [MediaStamp], viewer: UserID, hidingBlocked: Bool, in storage: Storage) async throws -> [Media] {
        if hidingBlocked { return try await storage.media.hydrate(stamps.map(\.id), viewer: viewer, hidingBlocked: viewer) }
        var found = entries.withLock { entries in
            stamps.reduce(into: [MediaID: Media]()) { found, stamp in
                if let media = entries[stamp.id], media.version == stamp.version { found[stamp.id] = media }
            }
        }
        let missing = stamps.filter { found[$0.id] == nil }.map(\.id)
        for _ in 0..<found.count { lookups.record(hit: true) }
        for _ in 0..<missing.count { lookups.record(hit: false) }
        if !missing.isEmpty {
            let fresh = try await storage.media.hydrate(missing, viewer: nil)
            entries.withLock { entries in
                if entries.count + fresh.count > capacity { entries.removeAll(keepingCapacity: true) }
                for media in fresh { entries[media.id] = media }
            }
            for media in fresh { found[media.id] = media }
        }
        return stamps.compactMap { stamp in
            guard var media = found[stamp.id] else { return nil }
            media.viewerHasLiked = stamp.viewerHasLiked
            return media
        }
    }
}
