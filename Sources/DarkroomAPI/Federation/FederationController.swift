import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird
import Logging

/// What other servers ask of this one: discovery (`/.well-known/webfinger`, `host-meta`, `nodeinfo`), actor
/// documents (at each profile's URL, for an ActivityPub `Accept`: `ActivityPubNegotiation`), a public post as a
/// note, the collections' sizes, and the inboxes, whose requests must be signed by their sender.
struct FederationController: Sendable {
    let dependencies: Dependencies
    let parts: FederationParts

    var federation: Federation { parts.federation }
    var inbox: InboxProcessor { parts.inbox }
    var signatures: InboxSignature { parts.signatures }
    var hidesCounts: Bool { parts.hidesCounts }

    var storage: Storage { dependencies.storage }
    var documents: ActivityPubDocuments { federation.documents }
    var ap: FederationLinks { federation.ap }

    static let inboxBodyLimit = 1 << 20

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/.well-known/webfinger") { request, _ in try await webFinger(request) }
        router.get("/.well-known/host-meta") { _, _ in
            let xml = """
                <?xml version="1.0" encoding="UTF-8"?>
                <XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">
                  <Link rel="lrdd" template="\(ap.publicURL)/.well-known/webfinger?resource={uri}"/>
                </XRD>
                """
            return Self.response(Array(xml.utf8), type: "application/xrd+xml; charset=utf-8")
        }
        router.get("/.well-known/nodeinfo") { _, _ in
            Self.json(
                ["links": [["rel": "http://nodeinfo.diaspora.software/ns/schema/2.1", "href": ap.publicURL + "/nodeinfo/2.1"]]],
                type: "application/json"
            )
        }
        router.get("/nodeinfo/2.1") { _, _ in
            let open = try await dependencies.signupPolicy().mode == .open
            let counts = hidesCounts ? nil : try await storage.federation.localCounts()
            return Self.json(
                documents.nodeInfo(openRegistrations: open, counts: counts),
                type: "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\""
            )
        }
        router.get("/ap/actor") { _, _ in
            Self.json(documents.instanceActor(publicKeyPEM: try await storage.federation.keyPair(of: FederationStore.instanceActor).publicKeyPEM))
        }
        router.get("/ap/media/:id") { _, context in try await note(context.parameters.get("id") ?? "") }
        for collection in ["outbox", "followers", "following"] {
            router.get(RouterPath("/ap/users/:username/\(collection)")) { request, context in
                let username = context.parameters.get("username") ?? ""
                if collection == "outbox", request.uri.queryParameters.get("page") != nil { return try await outboxPage(of: username) }
                return try await self.collection(collection, of: username)
            }
        }
        router.post("/ap/users/:username/inbox") { request, context in try await receive(request, context) }
        router.post("/ap/inbox") { request, context in try await receive(request, context) }
    }

    // MARK: Documents

    private func webFinger(_ request: Request) async throws -> Response {
        guard let resource = request.uri.queryParameters.get("resource") else { return Self.problem(.badRequest, "resource is required") }
        let name: String?
        if let handle = FediverseHandle(resource), handle.host == ap.host {
            name = handle.name
        } else {
            name = ap.username(fromActor: resource)
        }
        guard let name, let user = try await localUser(name) else { return Self.problem(.notFound, "no such account here") }
        return Self.json(documents.webFinger(user.username), type: "application/jrd+json")
    }

    func actorDocument(_ username: String) async throws -> Response? {
        guard let user = try await localUser(username) else { return nil }
        let key = try await storage.federation.keyPair(of: user.id).publicKeyPEM
        return Self.json(documents.actor(user, publicKeyPEM: key, aliases: try await storage.federation.aliases(of: user.id)))
    }

    private func note(_ id: String) async throws -> Response {
        guard let raw = Int64(id), let media = try await storage.media.find(MediaID(raw), viewer: nil),
            let owner = try await storage.users.find(media.owner.id), !owner.isPrivate,
            try await !storage.federation.isRemote(owner.id)
        else { return Self.problem(.notFound, "no such post") }
        var document = documents.note(media, ownerIsPrivate: false)
        document["@context"] = ActivityPubDocuments.context
        return Self.json(document)
    }

    private func collection(_ name: String, of username: String) async throws -> Response {
        guard let user = try await localUser(username) else { return Self.problem(.notFound, "no such account here") }
        let total: Int64 =
            switch name {
            case "outbox": user.counts.media
            case "followers": user.counts.followedBy
            default: user.counts.follows
            }
        var document: [String: Any] = [
            "@context": "https://www.w3.org/ns/activitystreams", "id": ap.publicURL + "/ap/users/\(user.username)/\(name)",
            "type": "OrderedCollection", "totalItems": total,
        ]
        if name == "outbox" { document["first"] = ap.outbox(user.username) + "?page=true" }
        return Self.json(document)
    }

    /// A public account's latest posts as Create activities, for a server whose person just followed (it shows them
    /// at once rather than only what comes next). A private account's are not listed: they went to its followers.
    private func outboxPage(of username: String) async throws -> Response {
        guard let user = try await localUser(username) else { return Self.problem(.notFound, "no such account here") }
        var items: [[String: Any]] = []
        if !user.isPrivate {
            let page = try await storage.media.recent(of: user.id, page: MediaPageRequest(count: Self.outboxPageSize), viewer: nil)
            for stamp in page.items {
                guard let media = try await storage.media.find(stamp.id, viewer: nil) else { continue }
                let note = documents.note(media, ownerIsPrivate: false)
                items.append(
                    documents.activity(
                        "Create",
                        id: ap.note(media.id) + "/activity",
                        actor: user.username,
                        object: note,
                        to: note["to"] as? [String] ?? [],
                        cc: note["cc"] as? [String] ?? []
                    )
                )
            }
        }
        return Self.json([
            "@context": "https://www.w3.org/ns/activitystreams", "id": ap.outbox(user.username) + "?page=true", "type": "OrderedCollectionPage",
            "partOf": ap.outbox(user.username), "orderedItems": items,
        ])
    }

    static let outboxPageSize = 20

    /// A present, local account by name.
    private func localUser(_ name: String) async throws -> User? {
        guard let user = try await storage.users.find(username: name), try await !storage.federation.isRemote(user.id) else { return nil }
        return user
    }

    // MARK: Inboxes

    private func receive(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let body = Array((try await request.body.collect(upTo: Self.inboxBodyLimit)).readableBytesView)
        guard let activity = JSONObject(bytes: body), activity.type != nil else { return Self.problem(.badRequest, "the body is not an activity") }
        let sendingHost = CallbackURL.host(of: activity.id("actor") ?? "")
        if let wait = parts.limiter.admit(sendingHost, now: storage.environment.nowSeconds) {
            var refusal = Self.problem(.tooManyRequests, "\(sendingHost) sent more than \(parts.limiter.perMinute) activities this minute")
            refusal.headers[.retryAfter] = String(wait)
            return refusal
        }
        if let actor = activity.id("actor"), try await storage.federation.policy(of: CallbackURL.host(of: actor)) == .suspend {
            return Self.problem(.forbidden, "this server does not take activities from \(CallbackURL.host(of: actor))")
        }
        let sender: KnownRemoteActor
        do {
            let target = request.uri.query.map { request.uri.path + "?" + $0 } ?? request.uri.path
            sender = try await signatures.verify(
                method: "POST",
                target: target,
                authority: request.head.authority,
                headers: request.headers,
                body: body
            )
        } catch {
            dependencies.logger.info("inbox request refused", metadata: ["error": "\(error)"])
            return Self.problem(.unauthorized, "\(error)")
        }
        try await storage.federationOutbox.markAvailable(sender.actor.handle.host)
        do {
            try await inbox.process(activity, from: sender)
        } catch let error as DomainError {
            return Self.problem(.forbidden, "\(error)")
        } catch let error as InboxProcessor.Unacceptable {
            return Self.problem(.unprocessableContent, error.description)
        }
        return Response(status: .accepted)
    }

    // MARK: Responses

    static func json(_ document: [String: Any], type: String = "application/activity+json; charset=utf-8") -> Response {
        response(JSONDocument.bytes(document), type: type)
    }

    static func response(_ bytes: [UInt8], type: String) -> Response {
        Response(
            status: .ok,
            headers: [.contentType: type, .cacheControl: "max-age=60", .accessControlAllowOrigin: "*"],
            body: .init(byteBuffer: ByteBuffer(bytes: bytes))
        )
    }

    static func problem(_ status: HTTPResponse.Status, _ message: String) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONDocument.bytes(["error": message])))
        )
    }
}

/// Answers an ActivityPub fetch of a profile's URL with the actor document instead of the page: the same address
/// serves both, told apart by `Accept`.
struct ActivityPubNegotiation: RouterMiddleware {
    typealias Context = AppRequestContext
    let controller: FederationController

    static func wantsActivityPub(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.contains("application/activity+json")
            || (accept.contains("application/ld+json") && accept.contains("https://www.w3.org/ns/activitystreams"))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.method == .get || request.method == .head, Self.wantsActivityPub(request.headers[.accept]) else {
            return try await next(request, context)
        }
        let segments = request.uri.path.split(separator: "/")
        guard segments.count == 1, let name = String(segments[0]).removingPercentEncoding else { return try await next(request, context) }
        return try await controller.actorDocument(name) ?? FederationController.problem(.notFound, "no such account here")
    }
}
