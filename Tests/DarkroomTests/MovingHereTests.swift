import DarkroomCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// A person moves here from another server: they name their old account on the data page (its `alsoKnownAs` in
/// their actor), and a Move from that account brings its followers here to them; a Move from an account they did
/// not name moves no one.
@Suite struct MovingHereTests {
    private static func actorDocument(_ client: any TestClientProtocol, _ username: String) async throws -> [String: Any] {
        let answer = try await client.execute(uri: "/\(username)", method: .get, headers: [.accept: "application/activity+json"]) {
            Data($0.body.readableBytesView)
        }
        return try #require(try JSONSerialization.jsonObject(with: answer) as? [String: Any])
    }

    private static func move(_ old: FakeRemoteServer, to target: String, via client: any TestClientProtocol, now: Int64) async throws -> Int {
        let move: [String: Any] = [
            "@context": "https://www.w3.org/ns/activitystreams", "type": "Move", "id": old.actor.uri + "#moves/1", "actor": old.actor.uri,
            "object": old.actor.uri, "target": target, "to": [old.actor.followers ?? ""],
        ]
        return try await old.deliver(move, to: "/ap/inbox", via: client, now: now)
    }

    private static func federatingOnLoopback(_ configuration: inout AppConfiguration) {
        FederationTests.federating(&configuration)
        configuration.federationNetworks = ["127.0.0.0/8"]
    }

    @Test(arguments: Engine.available)
    func followersComeAlongOnlyFromAnAccountThePersonNamed(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let key = try ActorKeyPair.generate()
            let old = try FakeRemoteServer(host: "mastodon.example", name: "ann", key: key)
            let stranger = try FakeRemoteServer(host: "elsewhere.example", name: "mallory", key: key)
            let oldID = try await world.storage.federation.save(old.actor)
            let strangerID = try await world.storage.federation.save(stranger.actor)
            let bob = try await world.user("bob")
            let carol = try await world.user("carol")
            try await world.storage.relationships.follow(bob.id, oldID)
            try await world.storage.relationships.follow(carol.id, strangerID)
            let now = world.storage.environment.nowSeconds
            try await world.withApp(configure: FederationTests.federating) { client in
                let browser = Browser(client)
                try await browser.get("/accounts/signup")
                _ = try await browser.post("/accounts/signup", [("username", "ann"), ("password", "password-of-ann")])
                let ann = try #require(try await world.storage.users.find(username: "ann"))

                // Before Ann names her old account, its Move to her is refused and moves no one.
                #expect(try await Self.move(old, to: "http://darkroom.test/ann", via: client, now: now) == 422)
                #expect(try await world.storage.relationships.relationship(of: bob.id, to: oldID).outgoing == .follows)
                #expect(try await world.storage.relationships.relationship(of: bob.id, to: ann.id).outgoing == .none)

                let page = try await browser.get("/accounts/export")
                #expect(page.body.contains("id=\"moving-here\"") && page.body.contains("http://darkroom.test/ann"))
                for (alias, reason) in [
                    ("@bob@darkroom.test", "That account is on this server."), ("not an address", "Give your old account as"),
                    ("ftp://mastodon.example/users/ann", "Give your old account as"),
                ] {
                    let refused = try await browser.post("/accounts/aliases", [("alias", alias)])
                    #expect(refused.status == 400 && refused.body.contains(reason), "\(alias)")
                }
                let added = try await browser.post("/accounts/aliases", [("alias", old.actor.uri)])
                #expect(added.status == 303 && added.location == "/accounts/export#moving-here")
                let listed = try await browser.get("/accounts/export").body
                #expect(listed.contains("<strong class=\"alias\">@ann@mastodon.example</strong> <span class=\"muted\">\(old.actor.uri)</span>"))
                #expect(try await Self.actorDocument(client, "ann")["alsoKnownAs"] as? [String] == [old.actor.uri])
                #expect(try await Self.actorDocument(client, "bob")["alsoKnownAs"] == nil)

                // Now the move brings Bob along; a stranger's Move to Ann moves none of the stranger's followers.
                #expect(try await Self.move(old, to: "http://darkroom.test/ann", via: client, now: now) == 202)
                #expect(try await world.storage.relationships.relationship(of: bob.id, to: ann.id).outgoing == .follows)
                #expect(try await world.storage.relationships.relationship(of: bob.id, to: oldID).outgoing == .none)
                #expect(try await world.storage.users.find(oldID)?.movedTo == "http://darkroom.test/ann")
                #expect(try await Self.move(stranger, to: "http://darkroom.test/ann", via: client, now: now) == 422)
                #expect(try await world.storage.relationships.relationship(of: carol.id, to: strangerID).outgoing == .follows)
                #expect(try await world.storage.relationships.relationship(of: carol.id, to: ann.id).outgoing == .none)

                // Removed, it is gone from the page and the actor.
                let removed = try await browser.post("/accounts/aliases/remove", [("alias", old.actor.uri)])
                #expect(removed.status == 303)
                #expect(try await !browser.get("/accounts/export").body.contains("class=\"alias\""))
                #expect(try await Self.actorDocument(client, "ann")["alsoKnownAs"] == nil)
            }
            // A server that does not federate offers no such thing.
            try await world.withApp { client in
                let browser = Browser(client)
                try await browser.get("/accounts/login")
                _ = try await browser.post("/accounts/login", [("username", "ann"), ("password", "password-of-ann")])
                #expect(try await !browser.get("/accounts/export").body.contains("moving-here"))
                let refused = try await browser.post("/accounts/aliases", [("alias", old.actor.uri)])
                #expect(refused.status == 400 && refused.body.contains("does not federate"))
            }
        }
    }

    /// An account elsewhere moves to another account elsewhere: its actor, served here on loopback, is fetched and must
    /// name the old one before anyone here follows it.
    @Test(arguments: Engine.available)
    func followersHereMoveToAnAccountElsewhereOnlyIfItNamesTheOldOne(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let key = try ActorKeyPair.generate()
            let newAccount = try await LoopbackActor.start(key: key)
            defer { newAccount.stop() }
            let target = newAccount.uri

            let old = try FakeRemoteServer(host: "mastodon.example", name: "ann", key: key)
            let oldID = try await world.storage.federation.save(old.actor)
            let bob = try await world.user("bob")
            try await world.storage.relationships.follow(bob.id, oldID)
            let now = world.storage.environment.nowSeconds
            try await world.withApp(configure: Self.federatingOnLoopback) { (client: any TestClientProtocol) async throws in
                #expect(try await Self.move(old, to: target, via: client, now: now) == 422)
                #expect(try await world.storage.relationships.relationship(of: bob.id, to: oldID).outgoing == .follows)
                newAccount.names(old.actor.uri)
                #expect(try await Self.move(old, to: target, via: client, now: now) == 202)
            }
            let moved = try #require(try await world.storage.federation.actor(uri: target))
            #expect(try await world.storage.relationships.relationship(of: bob.id, to: moved.userID).outgoing == .requested)
            #expect(try await world.storage.relationships.relationship(of: bob.id, to: oldID).outgoing == .none)
            #expect(try await world.storage.users.find(oldID)?.movedTo == target)
        }
    }

    @Test(arguments: Engine.available)
    func anAccountNamesAtMostTenOldOnes(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await world.user("ann")
            for index in 0..<FederationStore.aliasLimit {
                try await world.storage.federation.addAlias("https://s\(index).example/users/ann", of: ann.id)
            }
            try await world.storage.federation.addAlias("https://s0.example/users/ann", of: ann.id)
            #expect(try await world.storage.federation.aliases(of: ann.id).count == FederationStore.aliasLimit)
            await #expect(throws: DomainError.self) {
                try await world.storage.federation.addAlias("https://one-more.example/users/ann", of: ann.id)
            }
        }
    }
}

/// An account on another server, served on loopback: its actor document, naming `aliases` as its old accounts.
private final class LoopbackActor: Sendable {
    private let aliases = Mutex<[String]>([])
    private let port = Mutex<Int?>(nil)
    private let serving = Mutex<Task<Void, any Error>?>(nil)
    var uri: String { "http://127.0.0.1:\(port.withLock { $0 } ?? 0)/users/new" }

    static func start(key: ActorKeyPair) async throws -> LoopbackActor {
        let actor = LoopbackActor()
        let router = Router()
        router.get("/users/new") { _, _ -> Response in
            let uri = actor.uri
            let document: [String: Any] = [
                "id": uri, "type": "Person", "preferredUsername": "new", "inbox": uri + "/inbox",
                "publicKey": ["id": uri + "#main-key", "owner": uri, "publicKeyPem": key.publicKeyPEM],
                "alsoKnownAs": actor.aliases.withLock { $0 },
            ]
            return Response(
                status: .ok,
                headers: [.contentType: "application/activity+json"],
                body: .init(byteBuffer: ByteBuffer(bytes: JSONDocument.bytes(document)))
            )
        }
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in actor.port.withLock { $0 = channel.localAddress?.port } }
        )
        actor.serving.withLock { $0 = Task { try await app.runService() } }
        while actor.port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
        return actor
    }

    /// Lists `uri` among the account's old ones.
    func names(_ uri: String) { aliases.withLock { $0.append(uri) } }

    func stop() { serving.withLock { $0?.cancel() } }
}
