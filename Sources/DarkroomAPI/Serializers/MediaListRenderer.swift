import DarkroomCore
import DarkroomStorage
import Synchronization

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
