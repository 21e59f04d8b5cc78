import Crypto
import DarkroomAPI
import DarkroomCore
import DarkroomImaging
import DarkroomPhotoKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import DarkroomStorage

/// Signed requests and rate limits, per token and per client, through HTTP as an app sends them, on both engines.
@Suite struct SignedRequestAndRateLimitTests {
    @Test(arguments: Engine.available)
    func signedRequestsWhenTheClientEnforcesThem(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await OAuthTests.member(world, "ann")
            let app = try await world.storage.clients.create(
                ClientStore.Settings(name: "Signed", redirectURIs: [OAuthTests.callback], enforceSigned: true),
                ownerID: nil
            )
            let token = try await world.storage.tokens.create(userID: ann.id, client: app, scopes: [.basic])
            @Sendable func sig(_ message: String) -> String {
                Hex.encode(HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: SymmetricKey(data: Array(app.clientSecret.utf8))))
            }
            try await world.withApp { client in
                let missing = try await client.get("/v1/users/self?access_token=\(token)")
                #expect(missing.status == 403 && missing.errorType == "OAuthForbiddenException" && missing.errorMessage.contains("'sig'"))
                let wrong = try await client.get("/v1/users/self?access_token=\(token)&sig=\(String(repeating: "0", count: 64))")
                #expect(wrong.status == 403 && wrong.errorMessage.contains("does not match"))
                let signed = sig("/users/self|access_token=\(token)|count=2")
                #expect(try await client.get("/v1/users/self?count=2&access_token=\(token)&sig=\(signed)").code == 200)
                // python-instagram signs the path with its `.json`.
                let withSuffix = sig("/users/self.json|access_token=\(token)")
                #expect(try await client.get("/v1/users/self.json?access_token=\(token)&sig=\(withSuffix)").code == 200)
                // A client_id-only call of that client needs one too.
                #expect(try await client.get("/v1/users/\(ann.id)?client_id=\(app.clientID)").status == 403)
                let forwardedOK = "127.0.0.1|" + sig("127.0.0.1")
                let good = try await client.execute(
                    uri: "/v1/users/self?access_token=\(token)&sig=\(sig("/users/self|access_token=\(token)"))",
                    method: .get,
                    headers: [.instaForwardedForTest: forwardedOK]
                ) { try JSONBody($0) }
                #expect(good.code == 200)
                let bad = try await client.execute(
                    uri: "/v1/users/self?access_token=\(token)&sig=\(sig("/users/self|access_token=\(token)"))",
                    method: .get,
                    headers: [.instaForwardedForTest: "127.0.0.1|deadbeef"]
                ) { try JSONBody($0) }
                #expect(bad.status == 403 && bad.errorType == "OAuthForbiddenException")
            }
        }
    }

    @Test(arguments: Engine.available)
    func rateLimitsPerTokenAndPerClientSharedAcrossProcesses(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await OAuthTests.member(world, "ann")
            let app = try await world.client()
            let token = try await world.token(for: ann)
            let limited: (inout AppConfiguration) -> Void = { configuration in
                configuration.rateLimitPerToken = 3
                configuration.rateLimitPerClient = 2
                configuration.rateLimitSync = .zero
            }
            try await world.withApp(configure: limited) { client in
                var remaining: [String] = []
                for _ in 0..<3 {
                    let response = try await client.execute(uri: "/v1/users/self?access_token=\(token)", method: .get) { $0 }
                    #expect(response.status == .ok && response.headers[.rateLimitLimitTest] == "3")
                    remaining.append(response.headers[.rateLimitRemainingTest] ?? "")
                }
                #expect(remaining == ["2", "1", "0"])
                let over = try await client.execute(uri: "/v1/users/self?access_token=\(token)", method: .get) { $0 }
                let body = try JSONBody(over)
                #expect(
                    over.status == .tooManyRequests && body.errorType == "OAuthRateLimitException" && over.headers[.rateLimitRemainingTest] == "0"
                )
                // client_id-only calls have a pool of their own.
                #expect(try await client.get("/v1/users/\(ann.id)?client_id=\(app.clientID)").code == 200)
                #expect(try await client.get("/v1/users/\(ann.id)?client_id=\(app.clientID)").code == 200)
                #expect(try await client.get("/v1/users/\(ann.id)?client_id=\(app.clientID)").status == 429)
                // An hour later the window has slid past.
                world.clock.advance(seconds: 7200)
                #expect(try await client.get("/v1/users/self?access_token=\(token)").code == 200)
            }
            // Another server process on the same database sees the calls this one made.
            let other = try await world.token(for: ann)
            try await world.withApp(configure: limited) { first in
                for _ in 0..<3 { _ = try await first.get("/v1/users/self?access_token=\(other)") }
            }
            try await world.withApp(configure: limited) { second in
                let response = try await second.get("/v1/users/self?access_token=\(other)")
                #expect(response.status == 429)
            }
        }
    }

    /// A flush of many buckets (in batches of 64, 32, …) adds each one's calls and answers each one's total.
    @Test(arguments: Engine.available)
    func aFlushOfManyBucketsCountsEachOne(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let store = world.storage.rateLimits
            let counts = (0..<101).map { (bucket: "token:\($0)", hits: Int64($0 + 1)) }
            let first = try await store.add(counts, window: 3600)
            #expect(first.count == 101 && counts.allSatisfy { first[$0.bucket] == $0.hits })
            let second = try await store.add(counts + [(bucket: "client:7", hits: 5)], window: 3600)
            #expect(second.count == 102 && counts.allSatisfy { second[$0.bucket] == 2 * $0.hits } && second["client:7"] == 5)
            #expect(try await store.totals("token:100", window: 3600).current == 202)
            #expect(try await store.totals("token:100", window: 7200, previousWindow: 3600) == (current: 0, previous: 202))
        }
    }

    @Test(arguments: Engine.available)
    func developersManageClientsAndUsersRevokeApps(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await OAuthTests.member(world, "dev")
            _ = try await OAuthTests.member(world, "ann")
            try await world.withApp { client in
                let developer = Browser(client)
                _ = try await OAuthTests.logIn(developer, "dev")
                try await developer.get("/developer/clients")
                let refused = try await developer.post("/developer/clients", [("name", "Bad"), ("redirect_uris", "javascript://alert(1)")])
                #expect(refused.status == 400)
                let made = try await developer.post(
                    "/developer/clients",
                    [
                        ("name", "Printer"), ("description", "Prints photos"), ("website", "https://printer.example"),
                        ("redirect_uris", "\(OAuthTests.callback)\nhttp://localhost:3000/cb"), ("disable_implicit", "on"),
                    ]
                )
                let page = try #require(made.location)
                let shown = try await developer.get(page)
                let clientID = String(page.split(separator: "/").last!)
                let app = try #require(try await world.storage.clients.find(clientID: clientID))
                #expect(shown.body.contains(app.clientSecret) && app.redirectURIs.count == 2 && app.disableImplicit && !app.enforceSigned)
                _ = try await developer.post(page + "/reset-secret", [])
                let reset = try #require(try await world.storage.clients.find(clientID: clientID))
                #expect(reset.clientSecret != app.clientSecret)
                _ = try await developer.post(page, [("name", "Printer 2"), ("redirect_uris", OAuthTests.callback), ("enforce_signed", "on")])
                let edited = try #require(try await world.storage.clients.find(clientID: clientID))
                #expect(edited.name == "Printer 2" && edited.enforceSigned && !edited.disableImplicit && edited.redirectURIs == [OAuthTests.callback])

                let stranger = Browser(client)
                _ = try await OAuthTests.logIn(stranger, "ann")
                #expect(try await stranger.get(page).status == 404)
                #expect(try await stranger.post(page + "/delete", []).status == 404)

                // Ann lets the app in, sees it listed, and revokes it: the token stops working at once.
                let annUser = try #require(try await world.storage.users.find(username: "ann"))
                let token = try await world.storage.tokens.create(userID: annUser.id, client: edited, scopes: [.basic, .likes])
                let apps = try await stranger.get("/accounts/applications")
                #expect(apps.body.contains("Printer 2") && apps.body.contains("basic likes"))
                _ = try await stranger.post("/accounts/applications/revoke", [("client", clientID)])
                #expect(try await stranger.get("/accounts/applications").body.contains("No application"))
                #expect(try await world.storage.grants.resolve(token) == nil)

                _ = try await developer.post(page + "/delete", [])
                #expect(try await world.storage.clients.find(clientID: clientID) == nil)
            }
        }
    }
}
