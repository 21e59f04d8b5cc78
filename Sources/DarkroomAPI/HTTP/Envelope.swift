import DarkroomCore
import HTTPTypes
import Hummingbird
import NIOCore

/// The v1 envelope: `{"meta":{"code":200},"data":…,"pagination":{…}}`, and errors as
/// `{"meta":{"error_type":…,"code":…,"error_message":…}}` with the same HTTP status.
enum Envelope {
    static let jsonContentType = "application/json; charset=utf-8"

    /// A success body; `data` writes the value of the `data` key.
    static func success(pagination: Pagination? = nil, _ data: (inout JSONWriter) -> Void) -> Response {
        response(status: .ok, body: successBody(pagination: pagination, data))
    }

    static func successBody(pagination: Pagination? = nil, _ data: (inout JSONWriter) -> Void) -> ByteBuffer {
        var writer = JSONWriter(capacity: 16 * 1024)
        writer.object { body in
            body.key("meta")
            body.object { $0.pair("code", 200) }
            body.key("data")
            data(&body)
            if let pagination {
                body.key("pagination")
                pagination.write(to: &body)
            }
        }
        return writer.buffer
    }

    static func error(_ error: APIError) -> Response {
        var writer = JSONWriter(capacity: 256)
        writer.object { body in
            body.key("meta")
            body.object { meta in
                meta.pair("error_type", error.type)
                meta.pair("code", error.code)
                meta.pair("error_message", error.message)
            }
        }
        var response = response(status: HTTPResponse.Status(code: error.code), body: writer.buffer)
        // A busy server says when to try again.
        if error.code == 503 { response.headers[.retryAfter] = "2" }
        // A body refused unread, or cut for arriving too slowly: the connection ends with the answer.
        if error.code == 408 || error.code == 413 { response.headers[.connection] = "close" }
        return response
    }

    static func response(status: HTTPResponse.Status, body: ByteBuffer) -> Response {
        Response(
            status: status,
            headers: [.contentType: jsonContentType, .cacheControl: "private, no-cache"],
            body: ResponseBody(byteBuffer: body)
        )
    }
}

/// `pagination`: the URL of the next page and the cursor it carries, under the endpoint's key.
struct Pagination: Equatable {
    var nextURL: String?
    /// e.g. `next_max_id` → "13872296"
    var cursors: [(key: StaticString, value: String)]

    static let empty = Pagination(nextURL: nil, cursors: [])

    static func == (lhs: Pagination, rhs: Pagination) -> Bool {
        lhs.nextURL == rhs.nextURL && lhs.cursors.count == rhs.cursors.count
            && zip(lhs.cursors, rhs.cursors).allSatisfy { $0.key.description == $1.key.description && $0.value == $1.value }
    }

    func write(to writer: inout JSONWriter) {
        writer.object { object in
            if let nextURL { object.pair("next_url", nextURL) }
            for cursor in cursors { object.pair(cursor.key, cursor.value) }
        }
    }
}
