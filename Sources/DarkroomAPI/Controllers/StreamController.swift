import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /v1/stream` (beyond v1): Server-Sent Events for a signed-in app — `event: media` for each new media of the
/// user's home feed, `event: notification` for each notification of the app's subscriptions, each `id:` the cursor a
/// reconnecting app sends back as `Last-Event-ID` (or `last_event_id`) to resume without a gap. A comment line every
/// 15 seconds keeps proxies from closing a quiet stream. Authenticated and rate limited as any call (one call per
/// connection); a stream ends after an hour, and the app reconnects where it left off.
struct StreamController {
    let dependencies: Dependencies
    static let poll: Duration = .milliseconds(250)
    static let heartbeat: Duration = .seconds(15)
    static let lifetime: Duration = .seconds(3600)

    func addRoutes(to api: APIRoutes) {
        api.get("/stream", stream)
    }

    @Sendable func stream(_ request: APIRequest) async throws -> Response {
        guard case .user(let grant) = request.caller else { throw APIError.missingParameter("access_token") }
        let storage = dependencies.storage
        let given = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.parameters.value("last_event_id")
        var cursor: Int64
        if let given, !given.isEmpty {
            guard let value = Int64(given), value >= 0 else { throw APIError.invalidParameter("last_event_id", "must be an event id") }
            cursor = value
        } else {
            cursor = try await storage.liveEvents.now(user: grant.userID, client: grant.clientRef)
        }
        let start = cursor
        let body = ResponseBody { writer in
            var cursor = start
            var lastWrite = ContinuousClock.now
            let ends = ContinuousClock.now + Self.lifetime
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            // A server shutting down ends its streams (the apps reconnect to another, or after the restart).
            while ContinuousClock.now < ends, !Task.isCancelled, !Task.isShuttingDownGracefully {
                let events = try await storage.liveEvents.after(cursor, user: grant.userID, client: grant.clientRef)
                if !events.isEmpty {
                    var buffer = ByteBuffer()
                    for event in events {
                        buffer.writeString("id: \(event.id)\nevent: \(event.kind.rawValue)\ndata: ")
                        var json = JSONWriter(capacity: 128)
                        json.object { object in
                            object.pair("media_id", String(event.mediaID.rawValue))
                            if let name = event.object { object.pair("object", name) }
                            if let value = event.objectID { object.pair("object_id", value) }
                        }
                        buffer.writeImmutableBuffer(json.buffer)
                        buffer.writeString("\n\n")
                        cursor = event.id
                    }
                    try await writer.write(buffer)
                    lastWrite = ContinuousClock.now
                } else if ContinuousClock.now - lastWrite > Self.heartbeat {
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    lastWrite = ContinuousClock.now
                }
                try await Task.sleep(for: Self.poll)
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [
            .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no",
        ], body: body)
    }
}
