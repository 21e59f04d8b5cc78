import Hummingbird
import Logging
import NIOCore
import Synchronization

/// The server's own routes, called from inside it as a request from outside would be, through the same responder
/// (every middleware, `_method`, limits and logs): the API console's calls when the page runs without script. The
/// responder exists only once the router is built, so it is attached after (`buildApplication`).
final class LocalAPI: Sendable {
    private let responder = Mutex<(any HTTPResponder<AppRequestContext>)?>(nil)

    /// The largest answer kept for showing (a page of media is far smaller).
    static let answerLimit = 4 * 1024 * 1024

    /// How long an answer's body may take: a live stream (`/v1/stream`) never ends by itself.
    static let answerDeadline: Duration = .seconds(5)

    struct Answer: Sendable {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var body: ByteBuffer
        /// False when the body was still coming at the deadline (what came is kept).
        var complete: Bool
    }

    func attach(_ responder: some HTTPResponder<AppRequestContext>) {
        self.responder.withLock { $0 = responder }
    }

    /// Answers `request` as the server would, on the connection of the page request that asked (`channel`), logged
    /// under a request id of its own.
    func call(_ request: Request, channel: any Channel, logger: Logger, requestID: String) async throws -> Answer {
        guard let responder = responder.withLock({ $0 }) else { throw HTTPError(.serviceUnavailable) }
        var logger = logger
        logger[metadataKey: "hb.request.id"] = .string(requestID)
        let context = AppRequestContext(source: ApplicationRequestContextSource(channel: channel, logger: logger))
        let response: Response
        do {
            response = try await responder.respond(to: request, context: context)
        } catch let error as any HTTPResponseError {
            response = try error.response(from: request, context: context)
        }
        let writer = CollectingWriter()
        let body = response.body
        let complete = await withTaskGroup(of: Bool.self) { group in
            group.addTask { (try? await body.write(writer)) != nil }
            group.addTask {
                try? await Task.sleep(for: Self.answerDeadline)
                return false
            }
            defer { group.cancelAll() }
            return await group.next() ?? false
        }
        return Answer(status: response.status, headers: response.headers, body: writer.collected.withLock { $0 }, complete: complete)
    }
}

/// A response body written into memory, up to `LocalAPI.answerLimit`.
private final class CollectingWriter: ResponseBodyWriter, Sendable {
    let collected = Mutex(ByteBuffer())

    func write(_ buffer: ByteBuffer) async throws {
        try collected.withLock { body in
            guard body.readableBytes + buffer.readableBytes <= LocalAPI.answerLimit else { throw HTTPError(.contentTooLarge) }
            body.writeImmutableBuffer(buffer)
        }
    }

    func finish(_ trailingHeaders: HTTPFields?) async throws {}
}
