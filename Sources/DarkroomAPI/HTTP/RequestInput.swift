import DarkroomCore
import HTTPTypes
import Hummingbird
import NIOCore

/// What a request carries besides its path — its query, a form body's fields and a multipart body's files — read by
/// one set of rules for every way in (the `/v1` API, the pages, the token endpoint, and `_method` on a POST):
/// - a form body (`application/x-www-form-urlencoded`, or no Content-Type: python-instagram posts its token exchange
///   that way) up to `formLimit` (64 KiB);
/// - a `multipart/form-data` body only where `Rules.multipart` allows it, up to its limit, only for a caller already
///   known to be allowed to send one (`Rules.mayUpload`, run on the query and headers alone), and only while photo
///   ingest admits more work;
/// - a declared length over the limit is refused before anything is read (413); every body is counted against the
///   process's budget of body bytes in flight (`BodyBudget`: 503 with `Retry-After` past it) and must arrive within a
///   deadline that grows with its size (`readDeadline`: a body trickled in is cut with 408);
/// - any other type's body is not read, or refused where the entry point says so;
/// - NUL bytes refused everywhere.
/// Failures are `APIError`s; each entry point shows them in its own format.
struct RequestInput: Sendable {
    var query: Parameters
    var form: Parameters
    /// The file parts of a multipart body, by field name, in the order sent (a carousel sends several `photo`s).
    var files: [String: [[UInt8]]]

    /// The query's parameters then the body's, as v1 reads them.
    var parameters: Parameters {
        var all = query
        all.append(contentsOf: form)
        return all
    }

    struct Rules: Sendable {
        /// Multipart bodies: how large, the ingest pool that must admit them, and the budget of bytes in flight they
        /// count against; nil refuses them.
        var multipart: (limit: Int, ingest: PhotoIngest, budget: BodyBudget)?
        /// Whether a body of another type is an error (the token endpoint) or simply left unread.
        var refusesOtherTypes = false
        /// Run before a multipart body is read: throws when the caller may not send one (no credentials in the query or
        /// a header, the wrong scope, no session), so a stranger's photo is never read at all.
        var mayUpload: (@Sendable (Request, Parameters) async throws -> Void)?

        /// The largest form body, for every entry point: forms are small, only photos are large.
        static let formLimit = 64 * 1024

        static let formOnly = Rules()
    }

    /// How long a body may take to arrive: ten seconds, plus a second for every 64 KiB it may hold (a floor of 64 KiB/s,
    /// far below any real client's upload rate, far above a slow-loris trickle).
    static func readDeadline(bytes: Int) -> Duration { .seconds(10 + bytes / (64 * 1024)) }

    /// Reads `request`'s input by `rules`; a body, once read, is gone from `request`.
    static func read(_ request: inout Request, rules: Rules) async throws(APIError) -> RequestInput {
        var input = RequestInput(query: Parameters(urlEncoded: Substring(request.uri.query ?? "")), form: Parameters(), files: [:])
        if request.method != .get, request.method != .head {
            let type = request.headers[.contentType] ?? ""
            if type.isEmpty || type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                input.form = Parameters(urlEncoded: Substring(String(buffer: try await collect(&request, upTo: Rules.formLimit))))
            } else if let boundary = MultipartForm.boundary(ofContentType: type) {
                guard let multipart = rules.multipart else {
                    throw .invalidParameter("Content-Type", "send the fields as application/x-www-form-urlencoded")
                }
                if let mayUpload = rules.mayUpload {
                    do {
                        try await mayUpload(request, input.query)
                    } catch let error as APIError {
                        throw error
                    } catch let error as DomainError {
                        throw APIError(error)
                    } catch {
                        throw .unavailable
                    }
                }
                guard !multipart.ingest.refusesAnother() else { throw .busy }
                let body = try await collect(&request, upTo: multipart.limit, budget: multipart.budget)
                for part in try MultipartForm(parsing: body, boundary: boundary).parts {
                    if part.isFile {
                        input.files[part.name, default: []].append(part.body)
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

    /// Reads a body of at most `limit` bytes: refused at once when it says it is larger, held to the process's budget
    /// of bytes in flight while it is read, and cut when it takes longer than its deadline.
    /// Form bodies (64 KiB at most) count against no budget: only photos are large enough to matter.
    private static func collect(_ request: inout Request, upTo limit: Int, budget: BodyBudget? = nil) async throws(APIError) -> ByteBuffer {
        let declared = request.headers[.contentLength].flatMap { Int($0) }
        if let declared, declared > limit { throw .bodyTooLarge }
        let size = declared ?? limit
        let reservation = budget?.reserve(size)
        if budget != nil, reservation == nil { throw .busy }
        defer { if let budget, let reservation { budget.release(reservation) } }
        let body = request.body
        do {
            let buffer = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(for: readDeadline(bytes: size))
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let buffer = first else { throw BodyTimedOut() }
                return buffer
            }
            request.body = RequestBody(buffer: buffer)
            return buffer
        } catch is BodyTimedOut {
            throw .bodyTooSlow
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw .bodyTooLarge
        } catch is NIOTooManyBytesError {
            throw .bodyTooLarge
        } catch {
            throw .invalidParameter("body", "could not be read")
        }
    }

    private struct BodyTimedOut: Error {}

    /// At most the first `limit` bytes of a body that was refused unread (the rest is left unread), or what came
    /// before it failed; nothing when those bytes take longer than their deadline.
    static func prefix(of body: RequestBody, upTo limit: Int = Rules.formLimit) async -> ByteBuffer {
        await withTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask {
                var prefix = ByteBuffer()
                do {
                    for try await chunk in body {
                        prefix.writeImmutableBuffer(chunk)
                        if prefix.readableBytes >= limit { break }
                    }
                } catch {}
                return prefix
            }
            group.addTask {
                try? await Task.sleep(for: readDeadline(bytes: limit))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next().flatMap { $0 } ?? ByteBuffer()
        }
    }

    /// The input `PathNormalizingResponder` read for `_method`, or this request's read now.
    static func of(_ request: inout Request, context: AppRequestContext, rules: Rules) async throws(APIError) -> RequestInput {
        if let earlier = context.input { return try earlier.get() }
        return try await read(&request, rules: rules)
    }
}
