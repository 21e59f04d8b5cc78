import DarkroomCore
import Hummingbird
import NIOCore

/// `callback=name` turns an API answer into JSONP: `/**/ name({...});` as JavaScript, always with HTTP 200 — a browser
/// runs a `<script>` only on success, and JSONP callers read the real code from `meta.code` (reference, decision 7).
/// Only the `/v1` API and oEmbed answer JSONP (pages and files never do), and only for a plain identifier path, so a
/// callback can never inject script.
struct JSONPMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Self.answersJSONP(request.uri.path), let query = request.uri.query, Self.mayNameCallback(query),
            let callback = Parameters(urlEncoded: Substring(query)).value("callback")
        else { return try await next(request, context) }
        guard Self.isSafe(callback) else {
            return Envelope.error(.invalidParameter("callback", "must be a JavaScript identifier (letters, digits, _, $ and .)"))
        }
        var response = try await next(request, context)
        var body = ByteBuffer()
        body.writeString("/**/ \(callback)(")
        let inner = try await response.body.collect(upTo: 64 * 1024 * 1024)
        body.writeImmutableBuffer(inner)
        body.writeString(");")
        response.body = ResponseBody(byteBuffer: body)
        response.headers[.contentType] = "application/javascript; charset=utf-8"
        response.status = .ok
        return response
    }

    static func answersJSONP(_ path: String) -> Bool {
        path.hasPrefix("/v1/") || path == "/oembed" || path == "/api/v1/oembed"
    }

    /// Whether the query holds `callback=` anywhere: a cheap test that spares most requests a parse.
    private static func mayNameCallback(_ query: String) -> Bool {
        let needle = Array("callback=".utf8)
        let bytes = Array(query.utf8)
        guard bytes.count >= needle.count else { return false }
        return (0...(bytes.count - needle.count)).contains { start in bytes[start..<start + needle.count].elementsEqual(needle) }
    }

    static func isSafe(_ name: String) -> Bool {
        guard !name.isEmpty, name.utf8.count <= 128, name.first != ".", name.last != ".", !name.contains("..") else { return false }
        return name.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII
                && (("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                    || scalar == "_" || scalar == "$" || scalar == ".")
        } && !(name.first!.isNumber)
    }
}

extension ResponseBody {
    /// The whole body, for the few middlewares that rewrite it.
    consuming func collect(upTo limit: Int) async throws -> ByteBuffer {
        let collector = BodyCollector(limit: limit)
        try await write(collector)
        return collector.buffer
    }
}

/// A class, so the collected bytes outlive the writer that `ResponseBody.write` consumes.
private final class BodyCollector: ResponseBodyWriter {
    var buffer = ByteBuffer()
    let limit: Int
    init(limit: Int) { self.limit = limit }

    func write(_ buffer: ByteBuffer) async throws {
        guard self.buffer.readableBytes + buffer.readableBytes <= limit else { throw HTTPError(.contentTooLarge) }
        var buffer = buffer
        self.buffer.writeBuffer(&buffer)
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
