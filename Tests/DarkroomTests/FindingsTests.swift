import DarkroomCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import DarkroomAPI
@testable import DarkroomStorage

/// What an outside probe and a reviewer found (issue 29), each as it was reproduced: files others could read, an app
/// deleting another's subscription, callbacks with line breaks, an account anyone could lock its owner out of, and
/// apps registered without end.
@Suite struct FindingsTests {
    /// Every file and folder under `root` (itself included) that anyone but its owner may read, write or enter.
    static func widerThanOwner(under root: String) -> [String] {
        var found: [String] = FileSystem.isWiderThanOwner(root) ? [root] : []
        for name in FileSystem.list(root) {
            let path = root + "/" + name
            found += FileSystem.isDirectory(path) ? widerThanOwner(under: path) : (FileSystem.isWiderThanOwner(path) ? [path] : [])
        }
        return found
    }

    @Test(arguments: Engine.available)
    func whatServeBackupAndExportsWriteIsTheOwnersAlone(engine: Engine) async throws {
        // The usual umask, which leaves what it creates readable by everyone unless Darkroom says otherwise.
        let previous = umask(0o022)
        defer { umask(previous) }
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let alice = try await world.user("alice")
            let key = try storage.files.store([("612.jpg", [0xFF, 0xD8, 0xFF, 0xD9])], kind: .media)
            _ = try await storage.mediaWriter.create(
                NewMedia(owner: alice.id, renditions: Renditions(key: key, standard: 612, low: 306, thumbnail: 150))
            )
            _ = try await storage.dataExports.request(for: alice.id)
            try await JobWorker(storage: storage, logger: Logger(label: "test")).drain()
            #expect(try await storage.dataExports.latest(of: alice.id)?.state == .ready)
            #expect(!FileSystem.list(world.dataDirectory + "/exports").isEmpty, "an export waits")
            if engine == .sqlite {
                for suffix in ["", "-wal", "-shm"] {
                    #expect(FileManager.default.fileExists(atPath: world.dataDirectory + "/darkroom.sqlite" + suffix))
                }
            }
            #expect(Self.widerThanOwner(under: world.dataDirectory).isEmpty, "\(Self.widerThanOwner(under: world.dataDirectory))")
            #expect(Storage.filesWiderThanOwner(dataDirectory: world.dataDirectory).isEmpty)

            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-backup-\(UUID().uuidString)").path
            defer { try? FileManager.default.removeItem(atPath: folder) }
            _ = try await Backup(dataDirectory: world.dataDirectory, databaseURL: world.databaseURL, environment: storage.environment).write(
                to: folder
            )
            #expect(FileSystem.list(folder).contains("manifest.json"))
            #expect(Self.widerThanOwner(under: folder).isEmpty, "\(Self.widerThanOwner(under: folder))")

            // A data directory made by an older Darkroom: the start-up check names what is too open.
            chmod(world.dataDirectory, 0o755)
            let exports = FileSystem.list(world.dataDirectory + "/exports").map { world.dataDirectory + "/exports/" + $0 }
            for export in exports { chmod(export, 0o644) }
            #expect(Set(Storage.filesWiderThanOwner(dataDirectory: world.dataDirectory)) == Set([world.dataDirectory] + exports))
        }
    }

    private static func subscriptions(
        _ client: any TestClientProtocol,
        _ method: HTTPRequest.Method,
        _ query: String,
        body: String? = nil
    ) async throws -> JSONBody {
        try await client.execute(
            uri: "/v1/subscriptions?" + query,
            method: method,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: body.map { ByteBuffer(string: $0) }
        ) { try JSONBody($0) }
    }

    @Test(arguments: Engine.available)
    func anAppDeletesOnlyItsOwnSubscriptionsAndCallbacksCarryNoLineBreaks(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let storage = world.storage
            let mine = try await storage.clients.create(name: "mine", redirectURIs: ["http://localhost/cb"])
            let theirs = try await storage.clients.create(name: "theirs", redirectURIs: ["http://localhost/cb"])
            let theirSubscription = try await storage.subscriptions.create(
                .init(object: .tag, objectID: "sunset", callbackURL: "http://example.com/cb", verifyToken: nil),
                for: theirs.ref,
                limit: 10
            )
            let mySubscription = try await storage.subscriptions.create(
                .init(object: .tag, objectID: "dawn", callbackURL: "http://example.com/cb", verifyToken: nil),
                for: mine.ref,
                limit: 10
            )
            let credentials = "client_id=\(mine.clientID)&client_secret=\(mine.clientSecret)"
            try await world.withApp { client in
                let refused = try await Self.subscriptions(client, .delete, credentials + "&id=\(theirSubscription.id)")
                #expect(refused.status == 400 && refused.errorType == "APINotFoundError")
                let missing = try await Self.subscriptions(client, .delete, credentials + "&id=987654321")
                #expect(missing.status == 400 && missing.errorType == "APINotFoundError")
                #expect(try await storage.subscriptions.list(for: theirs.ref).map(\.id) == [theirSubscription.id], "theirs is still there")
                let deleted = try await Self.subscriptions(client, .delete, credentials + "&id=\(mySubscription.id)")
                #expect(deleted.status == 200)
                #expect(try await storage.subscriptions.list(for: mine.ref).isEmpty)

                for callback in [
                    "http://example.com/cb%0D%0AX-Injected:%201", "http://example.com/cb%0A", "http://example.com/a%20b", "http://example.com/%09",
                ] {
                    let made = try await Self.subscriptions(
                        client,
                        .post,
                        "",
                        body: credentials + "&object=user&callback_url=\(callback)"
                    )
                    #expect(made.status == 400 && made.errorType == "APIInvalidParametersError", "\(callback)")
                }
                #expect(try await storage.subscriptions.list(for: mine.ref).isEmpty)
            }
        }
    }

    @Test(arguments: Engine.available)
    func strangersFailingOnPurposeDoNotLockTheOwnerOutOfABrowserTheyUsed(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let owner = Browser(client)
                try await owner.get("/accounts/signup")
                #expect(try await owner.post("/accounts/signup", [("username", "keeper"), ("password", "a long good passphrase")]).status == 303)
                #expect(owner.cookies[DeviceCookies.name] != nil, "signing up marks the browser")
                try await owner.post("/accounts/logout", [])

                let stranger = Browser(client)
                try await stranger.get("/accounts/login")
                for _ in 0..<10 {
                    #expect(try await stranger.post("/accounts/login", [("username", "keeper"), ("password", "wrong guess")]).status == 400)
                }
                // Locked for every browser without the account's device cookie, even with the right password.
                #expect(try await stranger.post("/accounts/login", [("username", "keeper"), ("password", "a long good passphrase")]).status == 429)
                let another = Browser(client)
                try await another.get("/accounts/login")
                #expect(try await another.post("/accounts/login", [("username", "keeper"), ("password", "a long good passphrase")]).status == 429)
                // A forged or another account's device cookie counts for nothing.
                another.cookies[DeviceCookies.name] = String(repeating: "a", count: 32) + "." + String(repeating: "b", count: 64)
                #expect(try await another.post("/accounts/login", [("username", "keeper"), ("password", "a long good passphrase")]).status == 429)

                // The owner's browser signs in.
                try await owner.get("/accounts/login")
                let signedIn = try await owner.post("/accounts/login", [("username", "keeper"), ("password", "a long good passphrase")])
                #expect(signedIn.status == 303 && signedIn.location == "/")
                try await owner.post("/accounts/logout", [])
                // It has a limit of its own: ten failures lock that browser too.
                try await owner.get("/accounts/login")
                for _ in 0..<10 {
                    #expect(try await owner.post("/accounts/login", [("username", "keeper"), ("password", "wrong again")]).status == 400)
                }
                #expect(try await owner.post("/accounts/login", [("username", "keeper"), ("password", "a long good passphrase")]).status == 429)
                // Both lock-outs lapse with their windows.
                world.clock.advance(seconds: 1800)
                #expect(try await owner.post("/accounts/login", [("username", "keeper"), ("password", "a long good passphrase")]).status == 303)
            }
        }
    }

    @Test(arguments: Engine.available)
    func aPersonRegistersAppsUpToTheLimitAndOperatorsBeyondIt(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp(configure: { $0.appsPerPerson = 2 }) { client in
                let browser = Browser(client)
                try await browser.get("/accounts/signup")
                #expect(try await browser.post("/accounts/signup", [("username", "builder"), ("password", "a long good passphrase")]).status == 303)
                try await browser.get("/developer/clients")
                func register(_ name: String) async throws -> Browser.Page {
                    try await browser.post("/developer/clients", [("name", name), ("redirect_uris", "http://localhost:3000/cb")])
                }
                #expect(try await register("one").status == 303)
                try await browser.get("/developer/clients")
                #expect(try await register("two").status == 303)
                try await browser.get("/developer/clients")
                let third = try await register("three")
                #expect(third.status == 400 && third.body.contains("at most 2 apps"))
                let builder = try #require(try await world.storage.users.find(username: "builder"))
                #expect(try await world.storage.clients.owned(by: builder.id).count == 2)

                try await world.storage.operators.setOperator(builder.id, true)
                try await browser.get("/developer/clients")
                #expect(try await register("three").status == 303, "operators are exempt")
            }
        }
    }
}
