import DarkroomCore
import DarkroomStorage
import Foundation

/// Finds people on other servers: by actor id, by the id of the key a request was signed with, or by handle through
/// WebFinger, fetching and recording what is not known (or known for over a day).
struct RemoteActors: Sendable {
    let storage: Storage
    let client: FederationClient
    /// Whether plain http may be tried when https cannot be reached (only with an allowed private network: tests and
    /// intranets).
    let allowsPlainHTTP: Bool

    static let freshFor: Int64 = 86_400

    struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    func resolve(uri: String, refresh: Bool = false) async throws -> KnownRemoteActor {
        if !refresh, let known = try await storage.federation.actor(uri: uri), storage.environment.nowSeconds - known.fetchedAt < Self.freshFor {
            return known
        }
        return try await fetchActor(uri)
    }

    /// The actor that owns a signature's key; `refresh` fetches it again (the key may have been rotated).
    func resolve(keyID: String, refresh: Bool = false) async throws -> KnownRemoteActor {
        if !refresh, let known = try await storage.federation.actor(keyID: keyID) { return known }
        let document = keyID.split(separator: "#", maxSplits: 1).first.map(String.init) ?? keyID
        if !refresh, let known = try await storage.federation.actor(uri: document), known.actor.keyID == keyID { return known }
        let fetched = try await client.fetch(document)
        // A key may be its own document, naming its owner.
        if fetched.type != nil, fetched[object: "publicKey"] == nil, let owner = fetched[string: "owner"] {
            return try await fetchActor(owner)
        }
        let actor = try Self.parse(fetched, fetchedFrom: document)
        guard actor.keyID == keyID else { throw Unusable(description: "\(document) does not hold the key \(keyID)") }
        return try await record(actor)
    }

    /// `@name@host` through the host's WebFinger.
    func resolve(handle: FediverseHandle) async throws -> KnownRemoteActor {
        if let known = try await storage.federation.actor(handle: handle), storage.environment.nowSeconds - known.fetchedAt < Self.freshFor {
            return known
        }
        let resource =
            "acct:\(handle.name)@\(handle.host)".addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(.init(charactersIn: ":@.-_")))
            ?? ""
        var lastError: any Error = Unusable(description: "\(handle) could not be looked up")
        for scheme in allowsPlainHTTP ? ["http", "https"] : ["https"] {
            do {
                let finger = try await client.fetchJSON("\(scheme)://\(handle.host)/.well-known/webfinger?resource=\(resource)")
                let link = finger.objects("links").first {
                    $0[string: "rel"] == "self" && ($0[string: "type"].map { $0.contains("activity+json") || $0.contains("ld+json") } ?? false)
                }
                guard let href = link?[string: "href"] else { throw Unusable(description: "\(handle) has no ActivityPub actor") }
                return try await resolve(uri: href, refresh: true)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    private func fetchActor(_ uri: String) async throws -> KnownRemoteActor {
        try await record(try await client.fetch(uri), fetchedFrom: uri)
    }

    /// An actor document the caller has fetched from `url` (and read for its own purpose), kept as a fetch here keeps it.
    func record(_ document: JSONObject, fetchedFrom url: String) async throws -> KnownRemoteActor {
        try await record(try Self.parse(document, fetchedFrom: url))
    }

    private func record(_ actor: RemoteActor) async throws -> KnownRemoteActor {
        let id = try await storage.federation.save(actor)
        return KnownRemoteActor(userID: id, actor: actor, fetchedAt: storage.environment.nowSeconds)
    }

    /// An actor document as Darkroom keeps it. Its id must be on the host it was fetched from (a server speaks only for
    /// its own people), and it must have an inbox and an RSA key.
    static func parse(_ document: JSONObject, fetchedFrom url: String) throws -> RemoteActor {
        guard let id = document.id, CallbackURL.host(of: id) == CallbackURL.host(of: url) else {
            throw Unusable(description: "\(url) answered a document for another host")
        }
        guard ["Person", "Service", "Application", "Group", "Organization"].contains(document.type ?? "") else {
            throw Unusable(description: "\(id) is not an actor")
        }
        guard let inbox = document[string: "inbox"], let key = document[object: "publicKey"], let keyID = key[string: "id"],
            let pem = key[string: "publicKeyPem"], let name = document[string: "preferredUsername"],
            let handle = FediverseHandle("\(name)@\(CallbackURL.host(of: id))")
        else { throw Unusable(description: "\(id) has no inbox, key or username") }
        guard CallbackURL.host(of: inbox) == CallbackURL.host(of: id) else { throw Unusable(description: "\(id) has an inbox on another host") }
        let sharedInbox = document[object: "endpoints"]?[string: "sharedInbox"].flatMap { CallbackURL.host(of: $0) == handle.host ? $0 : nil }
        return RemoteActor(
            uri: id,
            handle: handle,
            name: document[string: "name"] ?? name,
            summary: ActivityPubDocuments.plainText(document[string: "summary"] ?? ""),
            inbox: inbox,
            sharedInbox: sharedInbox,
            followers: document[string: "followers"],
            profileURL: document[string: "url"] ?? document.objects("url").first?[string: "href"],
            keyID: keyID,
            publicKeyPEM: pem,
            manuallyApprovesFollowers: document.bool("manuallyApprovesFollowers")
        )
    }
}
