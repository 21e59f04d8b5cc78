import DarkroomCore
import DarkroomStorage
import Hummingbird

/// `/v1/subscriptions` and `/v1/geographies/{geo-id}/media/recent` (reference §5, §4.8): a client subscribes its
/// callback to users who authorized it, tags, places or circles, proving itself with its secret; the callback must
/// echo a challenge before anything is stored. Notifications then come from the job queue (`AnnounceMediaJob`, then `CallbackDelivery`).
struct SubscriptionsController {
    let dependencies: Dependencies
    var storage: Storage { dependencies.storage }

    func addRoutes(to api: APIRoutes) {
        api.add(.subscribe, create)
        api.add(.subscriptions, list)
        api.add(.unsubscribe, delete)
        api.add(.geographyRecentMedia, geographyMedia)
    }

    /// The calling client, once its `client_secret` matches.
    private func client(_ request: APIRequest) async throws -> Client {
        guard let secret = request.parameters.value("client_secret"), !secret.isEmpty else {
            throw APIError(type: "OAuthClientException", code: 400, message: "Missing client_secret URL parameter.")
        }
        let client: Client?
        switch request.caller {
        case .app(let app): client = app
        case .user(let grant): client = try await storage.clients.find(ref: grant.clientRef)
        }
        guard let client, ConstantTime.equal(client.clientSecret, secret) else {
            throw APIError(type: "APISubscriptionError", code: 400, message: "Invalid \"client_id\" and/or \"client_secret\".")
        }
        return client
    }

    /// POST /subscriptions — `object`, `aspect=media`, `object_id`, `callback_url`, `verify_token`, and for a
    /// geography `lat`, `lng`, `radius` (at most 5,000 m).
    @Sendable func create(_ request: APIRequest) async throws -> Response {
        let client = try await client(request)
        let parameters = request.parameters
        guard let name = parameters.value("object"), !name.isEmpty else { throw APIError.missingParameter("object") }
        guard let object = SubscriptionStore.Object(rawValue: name.lowercased()) else {
            throw APIError.invalidParameter("object", "use user, tag, location or geography")
        }
        guard (parameters.value("aspect") ?? "media").lowercased() == "media" else { throw APIError.invalidParameter("aspect", "only media") }
        guard let callback = parameters.value("callback_url"), !callback.isEmpty else { throw APIError.missingParameter("callback_url") }
        let lower = callback.lowercased()
        // Raw spaces and control characters (a CR or LF most of all) have no place in a URL, and could split the
        // request line or headers of whatever later sends to it.
        guard callback.utf8.count <= 2000, lower.hasPrefix("http://") || lower.hasPrefix("https://"),
            !callback.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F })
        else {
            throw APIError.invalidParameter("callback_url", "must be an http:// or https:// URL without spaces or control characters")
        }
        var new = SubscriptionStore.NewSubscription(
            object: object,
            objectID: nil,
            callbackURL: callback,
            verifyToken: try Validation.text(parameters.value("verify_token") ?? "", field: "verify_token", maxLength: 200)
        )
        switch object {
        case .user: break
        case .tag:
            guard let tag = parameters.value("object_id"), !tag.isEmpty else { throw APIError.missingParameter("object_id") }
            let name = tag.hasPrefix("#") ? String(tag.dropFirst()).lowercased() : tag.lowercased()
            guard Hashtags.extract("#" + name) == [name] else { throw APIError.invalidParameter("object_id", "not a tag name") }
            new.objectID = name
        case .location:
            guard let id = try parameters.id("object_id") else { throw APIError.missingParameter("object_id") }
            guard try await storage.locations.find(LocationID(id), viewer: nil) != nil else {
                throw APIError.invalidParameter("object_id", "no such location")
            }
            new.objectID = String(id)
        case .geography:
            guard let center = try parameters.point() else { throw APIError.missingParameter("lat") }
            guard let raw = parameters.value("radius"), let radius = Double(raw), radius.isFinite, radius > 0 else {
                throw APIError.missingParameter("radius")
            }
            guard radius <= 5000 else { throw APIError.invalidParameter("radius", "at most 5000 meters") }
            new.center = center
            new.radius = radius
        }
        try await verify(callback, token: new.verifyToken)
        let made = try await storage.subscriptions.create(new, for: client.ref, limit: dependencies.subscriptionLimit)
        return Envelope.success { Self.write(made, into: &$0) }
    }

    /// The verification request: the callback must answer 2xx with exactly the challenge, which is never used again.
    private func verify(_ callback: String, token: String?) async throws {
        let challenge = storage.environment.randomHex(bytes: 24)
        let separator = callback.contains("?") ? "&" : "?"
        let url = callback + separator + "hub.mode=subscribe&hub.challenge=\(challenge)&hub.verify_token=" + Parameters.encode(token ?? "")
        let failed = APIError(type: "APISubscriptionError", code: 400, message: "Challenge verification failed.")
        do {
            let answer = try await dependencies.callbacks.get(url)
            guard (200..<300).contains(answer.status), answer.body == Array(challenge.utf8) else { throw failed }
        } catch let refusal as CallbackClient.Refusal {
            throw APIError(type: "APISubscriptionError", code: 400, message: "Challenge verification failed: \(refusal).")
        } catch let error as APIError {
            throw error
        } catch {
            throw failed
        }
    }

    /// GET /subscriptions — the client's.
    @Sendable func list(_ request: APIRequest) async throws -> Response {
        let client = try await client(request)
        let subscriptions = try await storage.subscriptions.list(for: client.ref)
        return Envelope.success { writer in writer.array(subscriptions) { Self.write($1, into: &$0) } }
    }

    /// DELETE /subscriptions — by `id`, by `object` (and `object_id`), or `object=all`.
    @Sendable func delete(_ request: APIRequest) async throws -> Response {
        let client = try await client(request)
        let parameters = request.parameters
        if let id = try parameters.id("id") {
            // Another client's subscription is as good as missing: nothing is deleted, and nothing learnt of it.
            guard try await storage.subscriptions.delete(for: client.ref, id: id, object: nil, objectID: nil) > 0 else {
                throw APIError(type: "APINotFoundError", code: 400, message: "No subscription with this id for this client.")
            }
        } else if let name = parameters.value("object")?.lowercased(), !name.isEmpty {
            if name == "all" {
                try await storage.subscriptions.delete(for: client.ref, id: nil, object: nil, objectID: nil)
            } else {
                guard let object = SubscriptionStore.Object(rawValue: name) else {
                    throw APIError.invalidParameter("object", "use user, tag, location, geography or all")
                }
                let objectID = parameters.value("object_id").flatMap { $0.isEmpty ? nil : $0.lowercased() }
                try await storage.subscriptions.delete(for: client.ref, id: nil, object: object, objectID: objectID)
            }
        } else {
            throw APIError.missingParameter("id")
        }
        return Envelope.success { $0.null() }
    }

    /// GET /geographies/{geo-id}/media/recent — for the client that made the geography only.
    @Sendable func geographyMedia(_ request: APIRequest) async throws -> Response {
        let clientRef: ClientRecordID =
            switch request.caller {
            case .app(let client): client.ref
            case .user(let grant): grant.clientRef
            }
        guard let id = Int64(request.pathParameters["geo_id"] ?? ""),
            let geography = try await storage.subscriptions.geography(id, for: clientRef),
            let latitude = geography.latitude, let longitude = geography.longitude, let radius = geography.radius
        else { throw APIError(type: "APINotFoundError", code: 400, message: "No geography with this id for this client.") }
        let page = try request.parameters.mediaPage(timeBounds: false)
        let ids = try await storage.locations.recentPublicMedia(in: GeoPoint(latitude: latitude, longitude: longitude), meters: radius, page: page)
        let pageIDs = Array(ids.prefix(page.count))
        let next = ids.count > page.count ? pageIDs.last?.description : nil
        let stamps = try await storage.media.stamps(pageIDs, viewer: request.viewer)
        return try await dependencies.mediaResponses.list(stamps, pagination: request.mediaPagination(next), for: request)
    }

    private static func write(_ subscription: SubscriptionStore.Subscription, into writer: inout JSONWriter) {
        writer.object { object in
            object.pair("object", subscription.object.rawValue)
            object.pair("object_id", subscription.object == .user ? nil : subscription.objectID)
            object.pair("aspect", "media")
            object.pair("callback_url", subscription.callbackURL)
            object.pair("type", "subscription")
            object.pair("id", String(subscription.id))
        }
    }
}
