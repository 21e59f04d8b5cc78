import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle
import Synchronization

/// `GET /v1/stream` (beyond v1): Server-Sent Events for a signed-in app — `event: media` for each new media of the
/// user's home feed, `event: notification` for each notification of the app's subscriptions, `event: activity` for
/// each thing that happens to the person (`GET /v1/users/self/activity` tells the rest), each `id:` the cursor a
/// reconnecting app sends back as `Last-Event-ID` (or `last_event_id`) to resume without a gap. A comment line when
/// the stream has been quiet for 2 seconds keeps proxies from closing it and notices an app that went away (a server
/// learns that a connection closed only by writing to it), so its place is given back within seconds. A stream reads
/// the database only when `Storage.live` rings (a post, a fan-out batch or new notifications, in this process or,
/// through PostgreSQL's notices, another), so an idle one costs its heartbeat and nothing else. Authenticated and rate
/// limited as any call (one call per connection), and capped per person and app, per person and per server
/// (`StreamLimits`), since each holds a connection; a stream ends after an hour, and the app reconnects where it left off.
struct StreamController {
    let dependencies: Dependencies
    let open: OpenStreams
    static let heartbeat: Duration = .seconds(2)
    static let minimumInterval: Duration = .milliseconds(250)
    static let lifetime: Duration = .seconds(3600)

    func addRoutes(to api: APIRoutes) {
        api.add(.stream, stream)
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
        do {
            try open.take(user: grant.userID, client: grant.clientRef)
        } catch {
            switch error {
            case .perApp: throw APIError.tooManyStreams("At most \(StreamLimits.perApp) streams may be open at once for one user of an app.")
            case .perPerson: throw APIError.tooManyStreams("At most \(open.limits.perPerson) streams may be open at once for one user.")
            case .server: throw APIError.tooManyStreams("This server has as many streams open as it can hold; try again later.")
            }
        }
        let open = open
        // Until this process hears other processes' writes (PostgreSQL's notices), a stream also looks at every heartbeat.
        let looksOnItsOwn = !storage.hearsOtherProcesses()
        let body = ResponseBody { writer in
            defer { open.give(user: grant.userID, client: grant.clientRef) }
            var window = LateEventWindow(start: start)
            var lastWrite = ContinuousClock.now
            var lastLook = ContinuousClock.now - Self.minimumInterval
            let ends = ContinuousClock.now + Self.lifetime
            try await writer.write(ByteBuffer(string: "retry: 2000\n: connected\n\n"))
            var seen: UInt64? = nil
            // A server shutting down ends its streams (the apps reconnect to another, or after the restart).
            while ContinuousClock.now < ends, !Task.isCancelled, !Task.isShuttingDownGracefully {
                let generation = storage.live.generation
                if generation != seen || looksOnItsOwn {
                    // Every post on the server rings: a busy server's streams look at most this often each.
                    let due = lastLook + Self.minimumInterval
                    if due > .now { try await Task.sleep(until: due) }
                    lastLook = .now
                    seen = generation
                    let limit = LiveEvents.pageSize + window.sentCount
                    let page = try await storage.liveEvents.after(window.floor, user: grant.userID, client: grant.clientRef, limit: limit)
                    let events = window.unsent(page)
                    if !events.isEmpty {
                        try await writer.write(Self.encode(events, after: window.cursor))
                        window.sent(events)
                        lastWrite = ContinuousClock.now
                    }
                    // A full page may have more behind it: look again at once.
                    if page.count == limit { seen = nil }
                    if !events.isEmpty || seen == nil { continue }
                }
                if ContinuousClock.now - lastWrite >= Self.heartbeat {
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                    lastWrite = ContinuousClock.now
                }
                await storage.live.wait(after: generation, upTo: Self.heartbeat)
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: body
        )
    }
}

extension StreamController {
    /// Events as Server-Sent Events: `event:`, `data:` a JSON object, and `id:` where a reconnecting app resumes —
    /// the largest id sent so far, so an event that committed late (with a smaller id) does not send the app back.
    static func encode(_ events: [LiveEvents.Event], after cursor: Int64) -> ByteBuffer {
        var buffer = ByteBuffer()
        var position = cursor
        for event in events {
            position = max(position, event.id)
            buffer.writeString("id: \(position)\nevent: \(event.kind.rawValue)\ndata: ")
            var json = JSONWriter(capacity: 128)
            json.object { object in
                if let activity = event.activity {
                    object.pair("activity_id", String(event.id))
                    object.pair("type", activity.kind)
                    object.pair("user_id", String(activity.actor.rawValue))
                }
                if let media = event.mediaID { object.pair("media_id", String(media.rawValue)) }
                if let name = event.object { object.pair("object", name) }
                if let value = event.objectID { object.pair("object_id", value) }
            }
            buffer.writeImmutableBuffer(json.buffer)
            buffer.writeString("\n\n")
        }
        return buffer
    }
}
