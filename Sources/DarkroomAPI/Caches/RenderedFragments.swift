import DarkroomStorage
import Synchronization

/// Fragments of pages (a photo card, a grid, a profile's header) rendered once and reused while what they show is
/// unchanged.
///
/// **Valid for** its key, which is everything the fragment was rendered from — media versions, counts, the viewer's
/// part, signed URLs — so an equal key means equal output, whoever asks: the cache decides only what is kept, never
/// what is correct. Forms inside carry `Web.csrfPlaceholder`, which each response replaces with the browser's own value.
///
/// Hand-written because swift-mustache renders about a microsecond per tag (measured: 330 µs for a 24-photo grid), a
/// feed page of twelve photos several times the whole budget the pages' benchmark allows.
final class RenderedFragments: Sendable {
    private struct State {
        var entries: [String: RenderedHTML] = [:]
        var bytes = 0
    }

    private let state = Mutex(State())
    private let capacityBytes: Int
    private let lookups = CacheCounters(cache: "page_fragments")

    init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

    func html(_ key: String, render: () -> RenderedHTML) -> RenderedHTML {
        if let kept = kept(key) { return kept }
        let fresh = render()
        keep(fresh, key)
        return fresh
    }

    /// As `html(_:render:)`, for a fragment whose data must first be read (only when it is not kept).
    func html(_ key: String, render: () async throws -> RenderedHTML) async rethrows -> RenderedHTML {
        if let kept = kept(key) { return kept }
        let fresh = try await render()
        keep(fresh, key)
        return fresh
    }

    private func kept(_ key: String) -> RenderedHTML? {
        let kept = state.withLock { $0.entries[key] }
        lookups.record(hit: kept != nil)
        return kept
    }

    private func keep(_ fresh: RenderedHTML, _ key: String) {
        let cost = fresh.description.utf8.count + key.utf8.count + 64
        guard cost <= capacityBytes / 8 else { return }
        state.withLock { state in
            if state.bytes + cost > capacityBytes {
                // As `MediaPageCache`: dropping an arbitrary half is cheaper than tracking recency on every hit.
                for key in state.entries.keys.prefix(state.entries.count / 2 + 1) {
                    state.bytes -= state.entries.removeValue(forKey: key).map { $0.description.utf8.count + key.utf8.count + 64 } ?? 0
                }
            }
            if state.entries.updateValue(fresh, forKey: key) == nil { state.bytes += cost }
        }
    }
}
