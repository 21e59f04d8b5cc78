import DarkroomCore
import DarkroomStorage
import Logging

/// What other servers see and how far requests to them may go: whether federation is on, which private networks its
/// requests may reach, and whether NodeInfo tells the server's counts.
struct FederationSettings: Sendable {
    /// Off by default unless the public URL is https (`serve --federation on|off` decides): other servers do not
    /// deliver to, or trust, a plain-http one.
    var enabled: Bool
    /// Private networks deliveries and fetches may reach all the same (`--allow-federation-network`), as callbacks'.
    var networks: [String] = []
    /// NodeInfo leaves out the user and post counts (`--federation-hide-counts`).
    var hidesCounts = false
    /// Activities one server may deliver to this process in a minute (`--federation-inbox-limit`).
    var inboxLimit = 6000

    /// The parts a server with federation on runs with.
    func parts(storage: Storage, links: Links, ingest: PhotoIngest, logger: Logger, timeout: Duration) -> FederationParts? {
        guard enabled else { return nil }
        storage.federationSwitch.turnOn()
        let ap = FederationLinks(publicURL: links.publicURL)
        let http = CallbackClient(
            addresses: CallbackAddresses(allowed: networks.compactMap(CallbackAddresses.Network.init)),
            timeout: .seconds(Int64(timeout.components.seconds)),
            bodyLimit: 1 << 20,
            userAgent: "Darkroom/\(ActivityPubDocuments.softwareVersion) (+\(links.publicURL))"
        )
        let client = FederationClient(http: http, storage: storage, ap: ap)
        let actors = RemoteActors(storage: storage, client: client, allowsPlainHTTP: !networks.isEmpty)
        let federation = Federation(
            storage: storage,
            client: client,
            documents: ActivityPubDocuments(links: links, ap: ap),
            remotePosts: RemotePosts(
                storage: storage,
                ingest: ingest,
                http: http.limited(to: RemotePosts.photoLimit),
                client: client,
                logger: logger
            ),
            logger: logger
        )
        return FederationParts(
            federation: federation,
            inbox: InboxProcessor(storage: storage, ap: ap, actors: actors, logger: logger),
            signatures: InboxSignature(actors: actors, now: { storage.environment.nowSeconds }),
            actors: actors,
            hidesCounts: hidesCounts,
            limiter: InboxLimiter(perMinute: inboxLimit)
        )
    }
}

/// Federation's working parts, built once per application when it is on.
struct FederationParts: Sendable {
    let federation: Federation
    let inbox: InboxProcessor
    let signatures: InboxSignature
    let actors: RemoteActors
    let hidesCounts: Bool
    let limiter: InboxLimiter

    /// Makes `@name@host` (or `name@host`) on another server known here, so that a search finds it; nothing for any
    /// other query, and a lookup that fails is only logged (the search answers what is known).
    func lookUp(_ query: String, logger: Logger) async {
        guard let handle = FediverseHandle(query), handle.host != federation.ap.host else { return }
        do {
            _ = try await actors.resolve(handle: handle)
        } catch {
            logger.info("remote account not found", metadata: ["handle": "\(handle)", "error": "\(error)"])
        }
    }
}
