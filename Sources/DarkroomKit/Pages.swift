import Foundation

/// A list the server answers page by page, read by following each page's `pagination.next_url` until there is none:
/// `for try await page in darkroom.feed() { … }`. Each element is one page's items.
public struct Pages<Item: Sendable>: AsyncSequence, Sendable {
    public typealias Element = [Item]
    /// One page: its items, and the address of the next (nil on the last).
    public typealias Page = (items: [Item], next: String?)

    let first: @Sendable () async throws -> Page
    let following: @Sendable (String) async throws -> Page

    public func makeAsyncIterator() -> Iterator { Iterator(pages: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let pages: Pages
        var next: String?
        var started = false

        init(pages: Pages) { self.pages = pages }

        public mutating func next() async throws -> [Item]? {
            let page: Page
            if !started {
                started = true
                page = try await pages.first()
            } else if let address = next {
                page = try await pages.following(address)
            } else {
                return nil
            }
            next = page.next.flatMap { $0.isEmpty ? nil : $0 }
            // An empty last page ends the sequence rather than yielding nothing.
            if page.items.isEmpty && next == nil { return nil }
            return page.items
        }
    }
}
