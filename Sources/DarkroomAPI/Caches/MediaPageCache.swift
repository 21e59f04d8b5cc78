import DarkroomCore
import DarkroomStorage
import NIOCore
import Synchronization

/// Rendered media-list bodies, each reused while its page is unchanged.
///
/// **Valid while** the page's stamps (ids, versions, the viewer's likes) and pagination equal those it was rendered
/// from.
///
/// A page's body is fixed by its stamps (ids, versions, the viewer's likes) and its pagination, since each media's
/// rendering is fixed by its version. A request still reads the stamps from the database; when they and the pagination
/// equal the stored ones, the stored bytes are the answer. Any change to the page — a like, an edit, a new post, a
/// deletion, made by any process — changes the stamps, and the page is rendered afresh.
final class MediaPageCache: Sendable {
    /// Which request a body answered: the key only decides what is worth keeping, never what is correct to serve.
    struct Key: Hashable, Sendable {
        var viewer: UserID?
        var endpoint: String
        var query: String
    }

    private struct Entry {
        var stamps: [MediaStamp]
        var pagination: Pagination?
        var body: ByteBuffer
        /// Nonzero when the page holds a private account's signed links: the hour it is valid in.
        var epoch: Int64
        /// Bytes it holds, its key's and bookkeeping included: many tiny pages must not add up past the capacity.
        var cost: Int
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var bytes = 0
    }

    private let state = Mutex(State())
    private let capacityBytes: Int
    private let lookups = CacheCounters(cache: "media_pages")

    /// - Parameter capacityBytes: how many bytes of pages to keep; past it, half the pages are dropped.
    init(capacityBytes: Int) { self.capacityBytes = capacityBytes }

    /// What the kept pages cost, in bytes, and how many there are.
    var stored: (bytes: Int, pages: Int) { state.withLock { ($0.bytes, $0.entries.count) } }

    func body(for key: Key, stamps: [MediaStamp], pagination: Pagination?, epoch: Int64) -> ByteBuffer? {
        let body = state.withLock { state -> ByteBuffer? in
            guard let entry = state.entries[key], entry.stamps == stamps, entry.pagination == pagination, entry.epoch == 0 || entry.epoch == epoch
            else { return nil }
            return entry.body
        }
        lookups.record(hit: body != nil)
        return body
    }

    func store(_ body: ByteBuffer, for key: Key, stamps: [MediaStamp], pagination: Pagination?, epoch: Int64 = 0) {
        let cost =
            body.readableBytes + key.endpoint.utf8.count + key.query.utf8.count
            + stamps.count * MemoryLayout<MediaStamp>.stride + (pagination?.nextURL?.utf8.count ?? 0) + 256
        guard cost <= capacityBytes / 4 else { return }
        state.withLock { state in
            if state.bytes + cost > capacityBytes {
                // Dropping an arbitrary half is cheaper than tracking recency on every hit, and good enough here.
                for key in state.entries.keys.prefix(state.entries.count / 2 + 1) {
                    state.bytes -= state.entries.removeValue(forKey: key)?.cost ?? 0
                }
            }
            state.bytes -= state.entries[key]?.cost ?? 0
            state.entries[key] = Entry(stamps: stamps, pagination: pagination, body: body, epoch: epoch, cost: cost)
            state.bytes += cost
        }
    }
}
