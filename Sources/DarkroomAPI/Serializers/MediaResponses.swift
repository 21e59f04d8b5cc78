import DarkroomCore
import Hummingbird

/// Media lists and single media in the envelope, rendered for the request's viewer.
struct MediaResponses {
    let renderer: MediaListRenderer

    func list(_ stamps: [MediaStamp], pagination: Pagination?, for request: APIRequest) async throws -> Response {
        let rendered = try await renderer.render(stamps, hidingBlocked: request.viewerWithBlocks)
        return Envelope.success(pagination: pagination) { writer in
            writer.array(rendered) { $0.fragment($1.fragment, viewerHasLiked: $1.viewerHasLiked) }
        }
    }

    func single(_ stamp: MediaStamp, for request: APIRequest) async throws -> Response {
        guard let rendered = try await renderer.render([stamp], hidingBlocked: request.viewerWithBlocks).first else {
            throw APIError.mediaNotFound
        }
        return Envelope.success { $0.fragment(rendered.fragment, viewerHasLiked: rendered.viewerHasLiked) }
    }
}
