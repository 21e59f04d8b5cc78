import DarkroomCore

/// The home feed: media of the accounts the viewer follows and the viewer's own, newest first — `MediaStore`'s
/// statements, with the two caches they depend on in front of them.
///
/// - `MergedAccounts` says whether the page's statement must merge in the media of accounts too popular to fan out
///   (nearly always not, and the statement is then one index range of the viewer's materialized feed).
/// - `KnownMediaVersions` (PostgreSQL, notices current, no merged accounts) supplies the page's versions, so the
///   statement reads ids and likes only; versions it does not know are read by key and learnt.
///
/// Each cache's validity rule is written next to it. Every path gives the page the statement joining `media` would.
public struct CachedFeed: Sendable {
    let media: MediaStore
    let mergedAccounts: MergedAccounts
    /// Nil where the engine has no current change notices (SQLite, a pooler in transaction mode, replicas).
    let knownVersions: KnownMediaVersions?

    public func page(of viewer: UserID, _ page: MediaPageRequest) async throws -> Paged<MediaStamp> {
        let mergingAccounts = try await mergedAccounts.exist()
        var stamps: [MediaStamp]
        if !mergingAccounts, let knownVersions, let reading = knownVersions.begin(),
            let fromMemory = try await stampsKnowingVersions(of: viewer, page, knowing: knownVersions, during: reading)
        {
            stamps = fromMemory
        } else {
            stamps = try await media.feedEntries(of: viewer, page: page, mergingAccounts: mergingAccounts)
        }
        return try await media.completeFeed(stamps, of: viewer, page: page)
    }

    /// The page's stamps with the versions this process knows; nil when a media of the page is gone, which only the
    /// statement joining `media` leaves out.
    private func stampsKnowingVersions(
        of viewer: UserID,
        _ page: MediaPageRequest,
        knowing known: KnownMediaVersions,
        during reading: KnownMediaVersions.Reading
    ) async throws -> [MediaStamp]? {
        let (ids, liked) = try await media.feedEntryIDs(of: viewer, page: page)
        var versions = known.versions(of: ids)
        let missing = zip(ids, versions).compactMap { $1 == nil ? $0 : nil }
        if !missing.isEmpty {
            let found = try await media.versions(of: missing)
            guard found.count == missing.count else { return nil }
            known.learn(found, during: reading)
            let read = Dictionary(found, uniquingKeysWith: { first, _ in first })
            versions = zip(ids, versions).map { $1 ?? read[$0] }
        }
        return zip(ids, versions)
            .compactMap { id, version in version.map { MediaStamp(id: id, version: $0, viewerHasLiked: liked.contains(id.rawValue)) } }
            .sorted { $0.id.rawValue > $1.id.rawValue }
    }
}
