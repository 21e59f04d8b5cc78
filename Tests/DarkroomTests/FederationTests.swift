import DarkroomCore
import DarkroomImaging
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// A server on the other side, made by the test: its actor (kept here as if fetched) and the key it signs with.
struct FakeRemoteServer {
    let host: String
    let key: ActorKeyPair
    let actor: RemoteActor

    init(host: String, name: String, locked: Bool = false, key: ActorKeyPair? = nil) throws {
        self.host = host
        // Making an RSA key takes a while: many fake servers may share one.
        let key = try key ?? ActorKeyPair.generate()
        self.key = key
        let uri = "https://\(host)/users/\(name)"
        actor = RemoteActor(
            uri: uri,
            handle: FediverseHandle(name: name, host: host),
            name: name.capitalized,
            summary: "",
            inbox: uri + "/inbox",
            sharedInbox: "https://\(host)/inbox",
            followers: uri + "/followers",
            profileURL: "https://\(host)/@\(name)",
            keyID: uri + "#main-key",
            publicKeyPEM: key.publicKeyPEM,
            manuallyApprovesFollowers: locked
        )
    }

    /// POSTs `activity` to `path`, signed as this actor (unless `signed` is false), its Date `age` seconds old.
    func deliver(
        _ activity: [String: Any],
        to path: String,
        via client: any TestClientProtocol,
        now: Int64,
        age: Int64 = 0,
        signed: Bool = true,
        tamperBody: Bool = false,
        signer: FakeRemoteServer? = nil
    ) async throws -> Int {
        let body = JSONDocument.bytes(activity)
        var headers: HTTPFields = [
            .contentType: "application/activity+json", HTTPField.Name("Host")!: "darkroom.test",
            HTTPField.Name("Date")!: HTTPSignature.httpDate(now - age), HTTPField.Name("Digest")!: HTTPSignature.digest(body),
        ]
        if signed {
            let by = signer ?? self
            let signature = try by.key.signature(
                method: "POST",
                target: path,
                names: HTTPSignature.signedHeaders(hasBody: true),
                keyID: by.actor.keyID
            ) { name in headers[HTTPField.Name(name)!] }
            headers[HTTPField.Name("Signature")!] = signature
        }
        let sent = tamperBody ? Array(body.dropLast()) + Array(" }".utf8) : body
        return try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: sent)) { Int($0.status.code) }
    }
}

@Suite struct FederationTests {
    static func fixture(_ name: String) throws -> [String: Any] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/activitypub/\(name).json")
        return try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
    }

    static func raw(_ client: any TestClientProtocol, _ path: String) async throws -> (status: Int, text: String) {
        try await client.execute(uri: path, method: .get) { (Int($0.status.code), String(buffer: $0.body)) }
    }

    static func federating(_ configuration: inout AppConfiguration) {
        configuration.federationEnabled = true
        configuration.runsJobs = false
    }

    /// Runs the federation jobs that render activities (deliveries are left queued: the bovine tests make them).
    static func runFederationJobs(_ world: TestWorld) async throws {
        var registry = JobRegistry.standard
        let links = Links(publicURL: "http://darkroom.test", signing: URLSigning(key: "k", now: { world.storage.environment.nowSeconds }))
        let ingest = PhotoIngest(pipeline: try ImagePipeline(settings: ImageSettings()), files: world.storage.files)
        let parts = try #require(
            FederationSettings(enabled: true).parts(
                storage: world.storage,
                links: links,
                ingest: ingest,
                logger: Logger(label: "test"),
                timeout: .seconds(5)
            )
        )
        registry.register(FederateJob.self) { job, _ in try await parts.federation.run(job) }
        try await JobWorker(storage: world.storage, registry: registry, logger: Logger(label: "test")).drain()
    }

    static func queued(_ world: TestWorld) async throws -> [(inbox: String, activity: [String: Any])] {
        try await world.storage.database.query("SELECT inbox, activity FROM federation_outbox ORDER BY id").decode { row in
            (try row.string(), (try JSONSerialization.jsonObject(with: Data(try row.string().utf8)) as? [String: Any]) ?? [:])
        }
    }

    // MARK: Real payloads

    @Test func mastodonsAndPleromasDocumentsAreRead() throws {
        let actor = try RemoteActors.parse(JSONObject(Self.fixture("mastodon-actor")), fetchedFrom: "https://ap.example.com/users/foo")
        #expect(actor.handle.username == "foo@ap.example.com")
        #expect(actor.keyID == "https://ap.example.com/users/foo#main-key")
        #expect(actor.sharedInbox == "https://ap.example.com/inbox")
        #expect(actor.summary == "test")
        #expect(actor.publicKeyPEM.hasPrefix("-----BEGIN PUBLIC KEY-----"))
        // A document for another host than the one it came from is refused: a server speaks only for its own people.
        #expect(throws: RemoteActors.Unusable.self) {
            try RemoteActors.parse(JSONObject(Self.fixture("mastodon-actor")), fetchedFrom: "https://evil.example/users/foo")
        }
        let note = try #require(JSONObject(Self.fixture("mastodon-create-note"))[object: "object"])
        #expect(ActivityPubDocuments.plainText(note[string: "content"] ?? "") == "Good Morning! #coffee")
        #expect(note.objects("attachment").map { $0[string: "mediaType"] } == ["image/jpeg"])
        let pleroma = try #require(JSONObject(Self.fixture("pleroma-create-note"))[object: "object"])
        #expect(pleroma.objects("attachment").count == 2)
        #expect(
            InboxProcessor.commentText("<p><span class=\"h-card\"><a href=\"x\">@<span>maya</span></a></span> So good &amp; warm</p>")
                == "So good & warm"
        )
    }

    @Test func blurHashesAgreeWithTheReferenceEncoder() {
        // The pure-Python `blurhash` package (1.1.5) gives this for the same 8×6 pixels.
        let (width, height) = (8, 6)
        var pixels: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width { pixels += [UInt8((x * 37 + y * 11) % 256), UInt8((x * 13 + y * 53) % 256), UInt8((x * x + y * y * 7) % 256)] }
        }
        #expect(BlurHash.encode(pixels: pixels, width: width, height: height, bands: 3) == "LlGSA2KJ6i=L$tM~ahxBQKi~oKWE")
    }

    @Test func signaturesHoldOnlyOverWhatWasSigned() throws {
        let pair = try ActorKeyPair.generate()
        let headers = ["host": "darkroom.test", "date": HTTPSignature.httpDate(1_700_000_000), "digest": HTTPSignature.digest(Array("{}".utf8))]
        let value = try pair.signature(method: "POST", target: "/ap/inbox", names: HTTPSignature.signedHeaders(hasBody: true), keyID: "k") {
            headers[$0]
        }
        let received = try #require(HTTPSignature.parse(value))
        #expect(received.headers == ["(request-target)", "host", "date", "digest"])
        #expect(HTTPSignature.isValid(received, method: "POST", target: "/ap/inbox", header: { headers[$0] }, publicKeyPEM: pair.publicKeyPEM))
        #expect(
            !HTTPSignature.isValid(received, method: "POST", target: "/ap/users/x/inbox", header: { headers[$0] }, publicKeyPEM: pair.publicKeyPEM)
        )
        var changed = headers
        changed["host"] = "elsewhere.test"
        #expect(!HTTPSignature.isValid(received, method: "POST", target: "/ap/inbox", header: { changed[$0] }, publicKeyPEM: pair.publicKeyPEM))
        let other = try ActorKeyPair.generate()
        #expect(!HTTPSignature.isValid(received, method: "POST", target: "/ap/inbox", header: { headers[$0] }, publicKeyPEM: other.publicKeyPEM))
        #expect(HTTPSignature.parse("keyId=\"k\",signature=\"not base64!\"") == nil)
        #expect(HTTPSignature.parseHTTPDate(HTTPSignature.httpDate(1_700_000_000)) == 1_700_000_000)
    }

    // MARK: Discovery

    @Test(arguments: Engine.available)
    func discoveryAnswersForLocalPeopleOnly(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let maya = try await world.user("maya", fullName: "Maya")
            _ = try await world.user("hidden", isPrivate: true)
            _ = try await world.storage.federation.save(try FakeRemoteServer(host: "remote.test", name: "ren").actor)
            try await world.withApp(configure: Self.federating) { client in
                let finger = try await Self.raw(client, "/.well-known/webfinger?resource=acct:maya@darkroom.test")
                #expect(finger.status == 200)
                #expect(finger.text.contains("\"href\":\"http://darkroom.test/maya\""))
                #expect(try await Self.raw(client, "/.well-known/webfinger?resource=acct:nobody@darkroom.test").status == 404)
                #expect(try await Self.raw(client, "/.well-known/webfinger?resource=acct:ren@remote.test").status == 404)
                let actor = try await client.execute(uri: "/maya", method: .get, headers: [.accept: "application/activity+json"]) { $0 }
                #expect(actor.headers[.contentType]?.hasPrefix("application/activity+json") == true)
                let document = try #require(try JSONSerialization.jsonObject(with: Data(actor.body.readableBytesView)) as? [String: Any])
                #expect(document["type"] as? String == "Person")
                #expect(document["preferredUsername"] as? String == "maya")
                #expect(
                    (document["publicKey"] as? [String: Any])?["publicKeyPem"] as? String
                        == (try await world.storage.federation.keyPair(of: maya.id)).publicKeyPEM
                )
                let locked = try await client.execute(
                    uri: "/hidden",
                    method: .get,
                    headers: [.accept: "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""]
                ) {
                    $0
                }
                #expect(String(buffer: locked.body).contains("\"manuallyApprovesFollowers\":true"))
                // A browser at the same address gets the page.
                let page = try await client.execute(uri: "/maya", method: .get, headers: [.accept: "text/html"]) { $0 }
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                let nodeInfo = try await Self.raw(client, "/nodeinfo/2.1").text
                #expect(nodeInfo.contains("\"total\":2"))
                #expect(nodeInfo.contains("\"name\":\"darkroom\""))
            }
            // With federation off (a plain-http public URL), none of it is there.
            try await world.withApp { client in
                #expect(try await Self.raw(client, "/.well-known/webfinger?resource=acct:maya@darkroom.test").status == 404)
                let page = try await client.execute(uri: "/maya", method: .get, headers: [.accept: "application/activity+json"]) { $0 }
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
            }
        }
    }

    // MARK: Inboxes

    @Test(arguments: Engine.available)
    func followsLikesAndRepliesFromAnotherServerTakeEffectOnce(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let maya = try await world.user("maya")
            let token = try await world.token(for: maya)
            let media = try await world.post(by: maya, caption: "Dawn")
            let remote = try FakeRemoteServer(host: "mastodon.example", name: "dansup")
            let remoteID = try await world.storage.federation.save(remote.actor)
            let now = world.storage.environment.nowSeconds
            let note = "http://darkroom.test/ap/media/\(media.rawValue)"
            try await world.withApp(configure: Self.federating) { client in
                // A Follow, as Pixelfed's tests send it, addressed to maya.
                var follow = try #require(Self.fixture("mastodon-accept")["object"] as? [String: Any])
                follow["id"] = remote.actor.uri + "#follows/4"
                follow["actor"] = remote.actor.uri
                follow["object"] = "http://darkroom.test/maya"
                let status1 = try await remote.deliver(follow, to: "/ap/users/maya/inbox", via: client, now: now)
                #expect(status1 == 202)
                #expect(try await world.storage.relationships.relationship(of: remoteID, to: maya.id).outgoing == .follows)

                var like = try Self.fixture("mastodon-like")
                like["actor"] = remote.actor.uri
                like["id"] = remote.actor.uri + "#likes/2"
                like["object"] = note
                for _ in 0..<2 {
                    let status = try await remote.deliver(like, to: "/ap/inbox", via: client, now: now)
                    #expect(status == 202)
                }

                var create = try Self.fixture("mastodon-create-note")
                create["actor"] = remote.actor.uri
                var reply = try #require(create["object"] as? [String: Any])
                reply["id"] = "https://mastodon.example/users/dansup/statuses/1"
                reply["inReplyTo"] = note
                reply["attachment"] = [Any]()
                create["object"] = reply
                for _ in 0..<2 {
                    let status = try await remote.deliver(create, to: "/ap/inbox", via: client, now: now)
                    #expect(status == 202)
                }

                let seen = try #require(try await client.get("/v1/media/\(media.rawValue)?access_token=\(token)").media)
                #expect(seen.likes.count == 1)
                #expect(seen.comments.count == 1)
                #expect(seen.comments.data.first?.text == "Good Morning! #coffee")
                #expect(seen.comments.data.first?.from.username == "dansup@mastodon.example")

                let undo: [String: Any] = ["type": "Undo", "actor": remote.actor.uri, "id": remote.actor.uri + "#undo/1", "object": like]
                let status4 = try await remote.deliver(undo, to: "/ap/inbox", via: client, now: now)
                #expect(status4 == 202)
                var delete = try Self.fixture("mastodon-delete")
                delete["actor"] = remote.actor.uri
                delete["id"] = remote.actor.uri + "#delete/1"
                delete["object"] = reply["id"]!
                let status5 = try await remote.deliver(delete, to: "/ap/inbox", via: client, now: now)
                #expect(status5 == 202)
                let after = try #require(try await client.get("/v1/media/\(media.rawValue)?access_token=\(token)").media)
                #expect(after.likes.count == 0)
                #expect(after.comments.count == 0)

                let unfollow: [String: Any] = [
                    "type": "Undo", "actor": remote.actor.uri, "id": remote.actor.uri + "#undo/2", "object": follow["id"]!,
                ]
                let status6 = try await remote.deliver(unfollow, to: "/ap/inbox", via: client, now: now)
                #expect(status6 == 202)
                #expect(try await world.storage.relationships.relationship(of: remoteID, to: maya.id).outgoing == Relationship.Outgoing.none)
            }
            // The follow was answered: an Accept naming the Follow's id, for the follower's own inbox.
            try await Self.runFederationJobs(world)
            let accept = try #require(try await Self.queued(world).first { $0.activity["type"] as? String == "Accept" })
            #expect(accept.inbox == remote.actor.inbox)
            #expect((accept.activity["object"] as? [String: Any])?["id"] as? String == remote.actor.uri + "#follows/4")
        }
    }

    @Test(arguments: Engine.available)
    func forgedStaleOrTamperedDeliveriesChangeNothing(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let maya = try await world.user("maya")
            let remote = try FakeRemoteServer(host: "mastodon.example", name: "dansup")
            let impostor = try FakeRemoteServer(host: "other.example", name: "eve")
            let remoteID = try await world.storage.federation.save(remote.actor)
            _ = try await world.storage.federation.save(impostor.actor)
            try await world.storage.federation.setPolicy(.suspend, of: "blocked.example")
            let blocked = try FakeRemoteServer(host: "blocked.example", name: "spam")
            let now = world.storage.environment.nowSeconds
            try await world.withApp(configure: Self.federating) { client in
                let follow: [String: Any] = [
                    "type": "Follow", "id": remote.actor.uri + "#f", "actor": remote.actor.uri, "object": "http://darkroom.test/maya",
                ]
                let status7 = try await remote.deliver(follow, to: "/ap/inbox", via: client, now: now, signed: false)
                #expect(status7 == 401)
                let status8 = try await remote.deliver(follow, to: "/ap/inbox", via: client, now: now, age: 2 * 3600)
                #expect(status8 == 401)
                let status9 = try await remote.deliver(follow, to: "/ap/inbox", via: client, now: now, tamperBody: true)
                #expect(status9 == 401)
                // Signed by someone else than the activity's actor.
                let status10 = try await remote.deliver(follow, to: "/ap/inbox", via: client, now: now, signer: impostor)
                #expect(status10 == 422)
                var spam = follow
                spam["actor"] = blocked.actor.uri
                let status11 = try await blocked.deliver(spam, to: "/ap/inbox", via: client, now: now)
                #expect(status11 == 403)
                let garbage = try await client.execute(uri: "/ap/inbox", method: .post, body: ByteBuffer(string: "{\"not\": ")) {
                    Int($0.status.code)
                }
                #expect(garbage == 400)
            }
            // One server delivering past its share of a minute is told to wait.
            try await world.withApp(configure: {
                Self.federating(&$0)
                $0.federationInboxLimit = 2
            }) { client in
                let follow: [String: Any] = ["type": "Follow", "id": remote.actor.uri + "#g", "actor": remote.actor.uri, "object": "x"]
                var statuses: [Int] = []
                for _ in 0..<3 { statuses.append(try await remote.deliver(follow, to: "/ap/inbox", via: client, now: now, signed: false)) }
                #expect(statuses == [401, 401, 429])
            }
            #expect(try await world.storage.relationships.relationship(of: remoteID, to: maya.id).outgoing == Relationship.Outgoing.none)
        }
    }

    @Test(arguments: Engine.available)
    func reportsTravelBothWays(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let maya = try await world.user("maya")
            let media = try await world.post(by: maya, caption: "Dawn")
            let remote = try FakeRemoteServer(host: "mastodon.example", name: "mod")
            let remoteID = try await world.storage.federation.save(remote.actor)
            let now = world.storage.environment.nowSeconds
            try await world.withApp(configure: Self.federating) { client in
                let flag: [String: Any] = [
                    "type": "Flag", "id": "https://mastodon.example/flags/1", "actor": remote.actor.uri, "content": "Spam <b>links</b>",
                    "object": ["http://darkroom.test/maya", "http://darkroom.test/ap/media/\(media.rawValue)"],
                ]
                let status = try await remote.deliver(flag, to: "/ap/inbox", via: client, now: now)
                #expect(status == 202)
            }
            let received = try #require(try await world.storage.reports.list(open: true, limit: 10).first)
            #expect(received.targetMedia == media)
            #expect(received.details == "From mastodon.example: Spam links")
            // Someone here reports the remote account: its server hears of it from this server, not from them.
            _ = try await world.storage.reports.file(.init(target: .user, id: remoteID.rawValue, reason: .spam, details: "mine"), by: maya.id)
            try await Self.runFederationJobs(world)
            let forwarded = try #require(try await Self.queued(world).first { $0.activity["type"] as? String == "Flag" })
            #expect(forwarded.inbox == "https://mastodon.example/inbox")
            #expect(forwarded.activity["actor"] as? String == "http://darkroom.test/ap/actor")
            #expect(!String(decoding: JSONDocument.bytes(forwarded.activity), as: UTF8.self).contains("maya"))
        }
    }

    @Test(arguments: Engine.available)
    func aSuspendedOrDeletedAccountIsGoneElsewhereToo(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let key = try ActorKeyPair.generate()
            let maya = try await world.user("maya")
            let noor = try await world.user("noor")
            for (index, person) in [maya, noor].enumerated() {
                let follower = try await world.storage.federation.save(try FakeRemoteServer(host: "s\(index).example", name: "f", key: key).actor)
                try await world.storage.relationships.follow(follower, person.id)
            }
            try await world.storage.database.execute("DELETE FROM jobs WHERE kind = 'federate'")
            _ = try await world.storage.suspendAccount.suspend(maya.id, reason: "spam", actor: "test")
            _ = try await world.storage.deleteAccount(noor.id, actor: "test")
            try await Self.runFederationJobs(world)
            let deletes = try await Self.queued(world).filter { $0.activity["type"] as? String == "Delete" }
            #expect(deletes.map(\.inbox).sorted() == ["https://s0.example/inbox", "https://s1.example/inbox"])
            #expect(Set(deletes.compactMap { $0.activity["object"] as? String }) == ["http://darkroom.test/maya", "http://darkroom.test/noor"])
            let keys = try await world.storage.database.query("SELECT key_id FROM federation_outbox WHERE activity LIKE '%Delete%' ORDER BY key_id")
                .decode { try $0.string() }
            #expect(keys == ["http://darkroom.test/maya#main-key", "http://darkroom.test/noor#main-key"])
        }
    }

    @Test(arguments: Engine.available)
    func aShareReachesTheSharersFollowersAndAMoveGoesOut(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let key = try ActorKeyPair.generate()
            let carol = try await world.user("carol")
            let author = try FakeRemoteServer(host: "pix.example", name: "ana", key: key)
            let sharer = try FakeRemoteServer(host: "toot.example", name: "ben", key: key)
            let authorID = try await world.storage.federation.save(author.actor)
            let sharerID = try await world.storage.federation.save(sharer.actor)
            try await world.storage.relationships.follow(carol.id, sharerID)
            var post = NewMedia(owner: authorID, caption: "Harbour", renditions: Renditions(key: "test/ana", standard: 612, low: 306, thumbnail: 150))
            post.remoteNote = "https://pix.example/p/ana/1"
            let media = try await world.storage.mediaWriter.create(post)
            #expect(try await world.storage.feed.page(of: carol.id, MediaPageRequest(count: 10)).items.isEmpty)
            try await world.withApp(configure: Self.federating) { client in
                let announce: [String: Any] = [
                    "type": "Announce", "id": sharer.actor.uri + "/boosts/1", "actor": sharer.actor.uri, "object": "https://pix.example/p/ana/1",
                    "to": ["https://www.w3.org/ns/activitystreams#Public"],
                ]
                let status = try await sharer.deliver(announce, to: "/ap/inbox", via: client, now: world.storage.environment.nowSeconds)
                #expect(status == 202)
            }
            #expect(try await world.storage.feed.page(of: carol.id, MediaPageRequest(count: 10)).items.map(\.id) == [media])
            // Its author edits it: the new caption and alt text replace the old.
            try await world.withApp(configure: Self.federating) { client in
                let update: [String: Any] = [
                    "type": "Update", "id": author.actor.uri + "/updates/1", "actor": author.actor.uri,
                    "object": [
                        "id": "https://pix.example/p/ana/1", "type": "Note", "content": "<p>Harbour at dawn</p>",
                        "attachment": [["type": "Image", "mediaType": "image/jpeg", "url": "https://pix.example/1.jpg", "name": "Boats"]],
                    ] as [String: Any],
                ]
                let status = try await author.deliver(update, to: "/ap/inbox", via: client, now: world.storage.environment.nowSeconds)
                #expect(status == 202)
            }
            let edited = try #require(try await world.storage.media.find(media, viewer: carol.id))
            #expect(edited.caption?.text == "Harbour at dawn")
            #expect(edited.altText == "Boats")

            // Carol moves away: the servers of her followers there are told where.
            let follower = try await world.storage.federation.save(try FakeRemoteServer(host: "s9.example", name: "f", key: key).actor)
            try await world.storage.relationships.follow(follower, carol.id)
            try await world.storage.users.setMovedTo("https://new.example/users/carol", of: carol.id)
            try await Self.runFederationJobs(world)
            let move = try #require(try await Self.queued(world).first { $0.activity["type"] as? String == "Move" })
            #expect(move.inbox == "https://s9.example/inbox")
            #expect(move.activity["target"] as? String == "https://new.example/users/carol")
            #expect(move.activity["object"] as? String == "http://darkroom.test/carol")
        }
    }

    // MARK: Outgoing

    @Test(arguments: Engine.available)
    func postsGoOncePerServerAndAPrivateAccountsOnlyToApprovedFollowers(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let open = try await world.user("open")
            let locked = try await world.user("locked", isPrivate: true)
            // Fifty followers on five servers, and one server whose follower of the locked account waits for approval.
            let key = try ActorKeyPair.generate()
            for server in 0..<5 {
                for person in 0..<10 {
                    let id = try await world.storage.federation.save(
                        try FakeRemoteServer(host: "s\(server).example", name: "p\(person)", key: key).actor
                    )
                    try await world.storage.relationships.follow(id, open.id)
                    if server == 0 && person == 0 { try await world.storage.relationships.follow(id, locked.id) }
                }
            }
            let waiting = try await world.storage.federation.save(try FakeRemoteServer(host: "waiting.example", name: "w", key: key).actor)
            let (current, facts) = try await world.storage.relationships.state(of: waiting, to: locked.id)
            try await world.storage.relationships.requestFollow(waiting, locked.id, current: current, facts: facts)
            try await world.storage.database.execute("DELETE FROM federation_outbox")
            try await world.storage.database.execute("DELETE FROM jobs WHERE kind = 'federate'")

            let openPost = try await world.post(by: open, caption: "For everyone")
            let lockedPost = try await world.post(by: locked, caption: "For friends")
            // Followers elsewhere are counted apart, and get no home-feed rows here: only the author's own is written.
            #expect(try await world.storage.database.query("SELECT remote_followers FROM users WHERE id = \(open.id)").scalarInt() == 50)
            #expect(try await world.storage.database.query("SELECT count(*) FROM feed_entries WHERE media_id = \(openPost)").scalarInt() == 1)
            try await Self.runFederationJobs(world)
            let creates = try await Self.queued(world).filter { $0.activity["type"] as? String == "Create" }
            let openInboxes = creates.filter {
                ($0.activity["object"] as? [String: Any])?["id"] as? String == "http://darkroom.test/ap/media/\(openPost.rawValue)"
            }
            #expect(openInboxes.map(\.inbox).sorted() == (0..<5).map { "https://s\($0).example/inbox" })
            let lockedInboxes = creates.filter {
                ($0.activity["object"] as? [String: Any])?["id"] as? String == "http://darkroom.test/ap/media/\(lockedPost.rawValue)"
            }
            #expect(lockedInboxes.map(\.inbox) == ["https://s0.example/inbox"])
            let lockedNote = try #require(lockedInboxes.first?.activity["object"] as? [String: Any])
            #expect(lockedNote["to"] as? [String] == ["http://darkroom.test/ap/users/locked/followers"])
            #expect(!(String(decoding: JSONDocument.bytes(lockedNote), as: UTF8.self).contains("#Public")))
        }
    }
}

@Suite struct DomainPolicyTests {
    @Test func mastodonsDomainBlockListsReadAndWrite() throws {
        let mastodonExport = """
            #domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
            spam.example,suspend,false,false,"Spam, and lots of it",false
            loud.example,silence,false,false,,false
            pics.example,noop,true,false,,false
            """
        let entries = try DomainBlocksCSV.parse(mastodonExport)
        #expect(
            entries == [
                .init(domain: "spam.example", policy: .suspend, note: "Spam, and lots of it"),
                .init(domain: "loud.example", policy: .limit, note: ""),
                .init(domain: "pics.example", policy: .rejectMedia, note: ""),
            ]
        )
        // Older lists have no header; a severity Darkroom does not know is refused by name.
        #expect(try DomainBlocksCSV.parse("bad.example,suspend\n") == [.init(domain: "bad.example", policy: .suspend, note: "")])
        #expect(throws: DomainError.self) { try DomainBlocksCSV.parse("x.example,obliterate\n") }
        let written = DomainBlocksCSV.export(
            entries.map { FederationStore.DomainEntry(domain: $0.domain, policy: $0.policy, note: $0.note, unavailableSince: nil) }
        )
        #expect(try DomainBlocksCSV.parse(written) == entries)
    }

    @Test(arguments: Engine.available)
    func aSuspendedServersPeopleDisappearAndALimitedOnesTurnPrivate(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let maya = try await world.user("maya")
            let key = try ActorKeyPair.generate()
            let spammer = try await world.storage.federation.save(try FakeRemoteServer(host: "spam.example", name: "spam", key: key).actor)
            let loud = try await world.storage.federation.save(try FakeRemoteServer(host: "loud.example", name: "loud", key: key).actor)
            try await world.storage.relationships.follow(spammer, maya.id)
            try await world.storage.relationships.follow(maya.id, loud)
            let loudPost = try await world.storage.mediaWriter.create(
                NewMedia(owner: loud, caption: "Shouting", renditions: Renditions(key: "test/loud", standard: 612, low: 306, thumbnail: 150))
            )
            try await world.storage.setDomainPolicy("SPAM.example", policy: .suspend, note: "spam", actor: "test")
            try await world.storage.setDomainPolicy("loud.example", policy: .limit, actor: "test")
            #expect(try await world.storage.users.find(spammer) == nil)
            #expect(try await world.storage.federation.followerInboxes(of: maya.id).isEmpty)
            #expect(try await world.storage.users.find(loud)?.isPrivate == true)
            // A follower here still sees the limited account's post; no one else does.
            #expect(try await world.storage.media.visible([loudPost], to: maya.id) == [loudPost])
            let stranger = try await world.user("stranger")
            #expect(try await world.storage.media.visible([loudPost], to: stranger.id).isEmpty)
            try await world.storage.setDomainPolicy("spam.example", policy: .none, actor: "test")
            #expect(try await world.storage.users.find(spammer) != nil)
            #expect(try await world.storage.federation.domains().map(\.policy) == [.limit, .none])
            await #expect(throws: DomainError.self) { try await world.storage.setDomainPolicy("not a domain/", policy: .suspend, actor: "test") }
        }
    }
}
