import DarkroomCore
import Synchronization

/// Explore's lists kept in memory, since each is a ranking over days of media that would cost tens of milliseconds a
/// page: the popular public photos (a page per cursor, with their tiles), the trending tags and the people suggested
/// to each viewer. Explore shows public photos, the same for everyone, so one reading serves every viewer; a viewer
/// in a block has the page checked again against the visibility rule.
///
/// **Valid for** `lifetime` (suggestions `suggestionLifetime`), and until a block, a suspension or an account's
/// deletion in this process (`StoreChanges.grants`), which drops everything. While one reading of an expired list is
/// under way, the others answer what was last read.
public final class CachedExplore: Sendable {
    public struct PopularPage: Sendable {
        public var tiles: [MediaTile]
        public var nextCursor: String?
    }

    private struct Kept<Value: Sendable>: Sendable {
        var value: Value
        var readAt: Int64
        var reading = false
    }

    private struct State: Sendable {
        var pages: [String: Kept<PopularPage>] = [:]
        var tags: [Int: Kept<[TrendingTag]>] = [:]
        var suggestions: [UserID?: Kept<[SuggestedPerson]>] = [:]
        var generation = 0

        mutating func dropAll() {
            self = State(generation: generation + 1)
        }
    }

    /// Milliseconds a reading of the public lists is trusted.
    let lifetime: Int64 = 60_000
    let suggestionLifetime: Int64 = 600_000
    /// Past this many kept pages or suggestion lists, the kept ones are dropped (cursors come from anyone).
    static let mostKept = 10_000

    private let state = Mutex(State())
    private let explore: ExploreStore
    private let media: MediaStore
    private let clock: @Sendable () -> Int64

    init(explore: ExploreStore, media: MediaStore, changes: StoreChanges, clock: @escaping @Sendable () -> Int64) {
        (self.explore, self.media, self.clock) = (explore, media, clock)
        changes.listen { [weak self] change in
            if case .grants = change { self?.state.withLock { $0.dropAll() } }
        }
    }

    /// A page of popular public photos; `hidingFrom` a viewer in some block, those whose owner the block concerns
    /// are left out.
    public func popular(count: Int, after cursor: PopularCursor?, hidingFrom viewer: UserID?) async throws -> PopularPage {
        var page = try await kept(\.pages, key: cursor?.description ?? "#\(count)", lifetime: lifetime) {
            let ids = try await explore.popular(count: count, after: cursor, viewer: nil)
            return PopularPage(tiles: try await media.tiles(ids.items), nextCursor: ids.nextCursor)
        }
        if let viewer {
            let visible = Set(try await media.visible(page.tiles.map(\.id), to: viewer))
            page.tiles.removeAll { !visible.contains($0.id) }
        }
        return page
    }

    public func trendingTags(count: Int) async throws -> [TrendingTag] {
        try await kept(\.tags, key: count, lifetime: lifetime) { try await explore.trendingTags(count: count, viewer: nil) }
    }

    public func suggestedPeople(for viewer: UserID?, count: Int) async throws -> [SuggestedPerson] {
        try await kept(\.suggestions, key: viewer, lifetime: suggestionLifetime) { try await explore.suggestedPeople(for: viewer, count: count) }
    }

    private func kept<Key: Hashable, Value: Sendable>(
        _ list: any WritableKeyPath<State, [Key: Kept<Value>]> & Sendable,
        key: Key,
        lifetime: Int64,
        read: () async throws -> Value
    ) async throws -> Value {
        let now = clock()
        let (kept, reads, generation) = state.withLock { state -> (Kept<Value>?, Bool, Int) in
            let kept = state[keyPath: list][key]
            if let kept, now - kept.readAt < lifetime || kept.reading { return (kept, false, state.generation) }
            if kept != nil { state[keyPath: list][key]?.reading = true }
            return (kept, true, state.generation)
        }
        if !reads, let kept { return kept.value }
        do {
            let value = try await read()
            state.withLock { state in
                // A change announced while this read ran may not be in it: it is answered, not kept.
                guard state.generation == generation else { return }
                if state.pages.count + state.suggestions.count >= Self.mostKept { state.dropAll() }
                state[keyPath: list][key] = Kept(value: value, readAt: now)
            }
            return value
        } catch {
            state.withLock { state in
                if state.generation == generation { state[keyPath: list][key]?.reading = false }
            }
            throw error
        }
    }
}
