import DarkroomCore
import HTTPTypes
import Hummingbird
import NIOCore

/// What a request carries besides its path — its query, a form body's fields and a multipart body's files — read by
/// one set of rules for every way in (the `/v1` API, the pages, the token endpoint, and `_method` on a POST):
/// - a form body (`application/x-www-form-urlencoded`, or no Content-Type: python-instagram posts its token exchange
///   that way) up to `formLimit`;
/// - a `multipart/form-data` body only where `Rules.multipart` allows it, up to its limit, and only while photo ingest
///   admits more work (503 `busy` otherwise, before the body is read);
/// - any other type's body is not read, or refused where the entry point says so;
/// - NUL bytes refused everywhere.
/// Failures are `APIError`s; each entry point shows them in its own format.
struct RequestInput: Sendable {
    var query: Parameters
    var form: Parameters
    /// The file parts of a multipart body, by field name.
    var files: [String: [UInt8]]

    /// The query's parameters then the body's, as v1 reads them.
    var parameters: Parameters {
        var all = query
        all.append(contentsOf: form)
        return all
    }

    struct Rules: Sendable {
        /// Multipart bodies: how large, and the ingest pool that must admit them; nil refuses them.
        var multipart: (limit: Int, ingest: PhotoIngest)?
        /// Whether a body of another type is an error (the token endpoint) or simply left unread.
        var refusesOtherTypes = false

        /// The largest form body, for every entry point.
        static let formLimit = 2 * 1024 * 1024

        static let formOnly = Rules()
    }

    /// Reads `request`'s input by `rules`; a body, once read, is gone from `request`.
    static func read(_ request: inout Request, rules: Rules) async throws(APIError) -> RequestInput {
        var input = RequestInput(query: Parameters(urlEncoded: Substring(request.uri.query ?? "")), form: Parameters(), files: [:])
        if request.method != .get, request.method != .head {
            let type = request.headers[.contentType] ?? ""
            if type.isEmpty || type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                input.form = Parameters(urlEncoded: Substring(String(buffer: try await collect(&request, upTo: Rules.formLimit))))
            } else if let boundary = MultipartForm.boundary(ofContentType: type) {
                guard let multipart = rules.multipart else { throw .invalidParameter("Content-Type", "send the fields as application/x-www-form-urlencoded") }
                guard !multipart.ingest.isFull else { throw .busy }
                for part in try MultipartForm(parsing: try await collect(&request, upTo: multipart.limit), boundary: boundary).parts {
                    if part.isFile {
                        input.files[part.name] = part.body
                    } else {
                        input.form.append(contentsOf: Parameters(pairs: [(part.name, String(decoding: part.body, as: UTF8.self))]))
                    }
                }
            } else if rules.refusesOtherTypes {
                throw .invalidParameter("Content-Type", "send the fields as application/x-www-form-urlencoded")
            }
        }
        try input.query.refuseNUL()
        try input.form.refuseNUL()
        return input
    }

    private static func collect(_ request: inout Request, upTo limit: Int) async throws(APIError) -> ByteBuffer {
        do {
            return try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw .bodyTooLarge
        } catch is NIOTooManyBytesError {
            throw .bodyTooLarge
        } catch {
            throw .invalidParameter("body", "could not be read")
        }
    }

    /// The input `PathNormalizingResponder` read for `_method`, or this request's read now.
    static func of(_ request: inout Request, context: AppRequestContext, rules: Rules) async throws(APIError) -> RequestInput {
        if let earlier = context.input { return try earlier.get() }
        return try await read(&request, rules: rules)
    }
}
