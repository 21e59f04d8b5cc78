import DarkroomCore
import Hummingbird

/// Media lists and single media in the envelope, rendered for the request's viewer.
struct MediaResponses {
    let renderer: MediaListRenderer

    /// - Parameter distances: meters from a searched point, for geo searches.
    func list(_ stamps: [MediaStamp], pagination: Pagination?, distances: [MediaID: Double] = [:], for request: APIRequest) async throws -> Response {
        let rendered = try await renderer.render(stamps, hidingBlocked: request.viewerWithBlocks)
        return Envelope.success(pagination: pagination) { writer in
            writer.array(rendered) { writer, item in
                writer.fragment(item.fragment, viewerHasLiked: item.viewerHasLiked, distance: distances[item.id])
            }
        }
    }

    func single(_ stamp: MediaStamp, for request: APIRequest) async throws -> Response {
        guard let rendered = try await renderer.render([stamp], hidingBlocked: request.viewerWithBlocks).first else {
            throw APIError.mediaNotFound
        }
        return Envelope.success { $0.fragment(rendered.fragment, viewerHasLiked: rendered.viewerHasLiked) }
    }
}
