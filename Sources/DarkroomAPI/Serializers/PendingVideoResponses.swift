import DarkroomCore
import DarkroomStorage
import Hummingbird

/// A video upload before its post exists, to its author: `202 Accepted` with
/// `{"id", "type": "video", "status": "processing", "created_time", "link"}` while it is transcoded, and a `422`
/// `APIVideoProcessingError` naming the reason once it has failed. The id is the post's to be: asking for it again
/// answers the media object, with 200, once it is ready.
struct PendingVideoResponses {
    let links: Links

    func response(_ upload: PendingVideo) throws -> Response {
        guard upload.state == .processing else {
            throw APIError(
                type: "APIVideoProcessingError",
                code: 422,
                message: "this video could not be posted: \(upload.failure ?? "it could not be processed")"
            )
        }
        var writer = JSONWriter(capacity: 512)
        writer.object { body in
            body.key("meta")
            body.object { $0.pair("code", 202) }
            body.key("data")
            body.object { data in
                data.idPair("id", upload.id.rawValue)
                data.pair("type", "video")
                data.pair("status", "processing")
                data.pair("created_time", String(upload.createdAt))
                data.pair("link", links.permalink(upload.id))
            }
        }
        return Envelope.response(status: .accepted, body: writer.buffer)
    }
}
