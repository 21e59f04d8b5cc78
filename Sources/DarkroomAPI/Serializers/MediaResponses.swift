import DarkroomCore
import Hummingbird

/// Media lists and single media in the envelope, rendered for the request's viewer.
struct MediaResponses {
    let renderer: MediaListRenderer
    let pages: MediaPageCache

    /// - Parameter distances: meters from a searched point, for geo searches.
    func list(_ stamps: [MediaStamp], pagination: Pagination?, distances: [MediaID: Double] = [:], for request: APIRequest) async throws -> Response {
        // Pages with distances, or filtered for a viewer involved in blocks, are rendered each time.
        let key =
            distances.isEmpty && request.viewerWithBlocks == nil
            ? MediaPageCache.Key(viewer: request.viewer, endpoint: request.endpoint, query: request.query)
            : nil
        let epoch = renderer.serializer.links.signing.epoch
        if let key, let body = pages.body(for: key, stamps: stamps, pagination: pagination, epoch: epoch) {
            return Envelope.response(status: .ok, body: body)
        }
        let rendered = try await renderer.render(stamps, hidingBlocked: request.viewerWithBlocks)
        let body = Envelope.successBody(pagination: pagination) { writer in
            writer.array(rendered) { writer, item in
                writer.fragment(item.fragment, viewerHasLiked: item.viewerHasLiked, distance: distances[item.id])
            }
        }
        if let key {
            let signedEpoch = rendered.contains { $0.fragment.epoch != 0 } ? epoch : 0
            pages.store(body, for: key, stamps: stamps, pagination: pagination, epoch: signedEpoch)
        }
        return Envelope.response(status: .ok, body: body)
    }

    func single(_ stamp: MediaStamp, for request: APIRequest) async throws -> Response {
        guard let rendered = try await renderer.render([stamp], hidingBlocked: request.viewerWithBlocks).first else {
            throw APIError.mediaNotFound
        }
        return Envelope.success { $0.fragment(rendered.fragment, viewerHasLiked: rendered.viewerHasLiked) }
    }
}
