import Crypto
import DarkroomAPI
import DarkroomCore
import DarkroomStorage
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// "Enforce signed header" and the per-endpoint write limits (reference §1.9, §2.7; decision 9).
@Suite struct WriteLimitTests {
    static func signedHeader(_ client: Client, ips: String = "127.0.0.1") -> HTTPFields {
        let mac = HMAC<SHA256>.authenticationCode(for: Array(ips.utf8), using: SymmetricKey(data: Array(client.clientSecret.utf8)))
        return [.instaForwardedForTest: "\(ips)|\(Hex.encode(mac))"]
    }

    @Test(arguments: Engine.available)
    func aClientThatEnforcesTheSignedHeaderRefusesUnsignedWrites(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let fan = try await world.user("fan")
            let media = try await world.post(by: owner)
            let app = try await world.storage.clients.create(
                ClientStore.Settings(name: "Signed", redirectURIs: ["http://localhost/cb"], enforceSignedHeader: true),
                ownerID: nil
            )
            let token = try await world.storage.tokens.create(userID: fan.id, client: app, scopes: [.basic, .likes])
            try await world.withApp { client in
                let unsigned = try await client.execute(uri: "/v1/media/\(media)/likes?access_token=\(token)", method: .post) { try JSONBody($0) }
                #expect(unsigned.status == 403 && unsigned.errorType == "OAuthForbiddenException")
                #expect(try await world.storage.media.find(media, viewer: nil)?.likeCount == 0)
                let signed = try await client.execute(
                    uri: "/v1/media/\(media)/likes?access_token=\(token)",
                    method: .post,
                    headers: Self.signedHeader(app)
                ) { try JSONBody($0) }
                #expect(signed.code == 200)
                // Reads need no header.
                #expect(try await client.get("/v1/media/\(media)/likes?access_token=\(token)").code == 200)
            }
        }
    }

    @Test(arguments: Engine.available)
    func writeLimitsCountPerTokenAcrossProcessesAndSignedCallsGetMore(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let fan = try await world.user("fan")
            var media: [MediaID] = []
            for _ in 0..<8 { media.append(try await world.post(by: owner)) }
            let app = try await world.client()
            let token = try await world.storage.tokens.create(userID: fan.id, client: app, scopes: [.basic, .likes, .comments])
            let signedToken = try await world.storage.tokens.create(userID: fan.id, client: app, scopes: [.basic, .likes])
            let limited: (inout AppConfiguration) -> Void = { configuration in
                configuration.writeLimits = WriteLimits(likes: .init(unsigned: 2, signed: 4))
                configuration.rateLimitSync = .zero
            }
            let allMedia = media
            try await world.withApp(configure: limited) { client in
                let first = try await client.post("/v1/media/\(allMedia[0])/likes?access_token=\(token)")
                #expect(first.code == 200)
            }
            // A second server process on the same database counts the same likes.
            try await world.withApp(configure: limited) { client in
                #expect(try await client.delete("/v1/media/\(allMedia[0])/likes?access_token=\(token)").code == 200)
                let over = try await client.post("/v1/media/\(allMedia[1])/likes?access_token=\(token)")
                #expect(over.status == 429 && over.errorType == "OAuthRateLimitException" && over.errorMessage.contains("likes"))
                #expect(try await world.storage.media.find(allMedia[1], viewer: nil)?.likeCount == 0)
                // Comments are not limited here, and other calls are not touched.
                #expect(try await client.post("/v1/media/\(allMedia[1])/comments?access_token=\(token)", form: ["text": "nice"]).code == 200)
                #expect(try await client.get("/v1/users/self?access_token=\(token)").code == 200)
                // Signed calls get the higher figure.
                var codes: [Int] = []
                for index in 2..<7 {
                    codes.append(
                        try await client.execute(
                            uri: "/v1/media/\(allMedia[index])/likes?access_token=\(signedToken)",
                            method: .post,
                            headers: Self.signedHeader(app)
                        ) { try JSONBody($0) }.status
                    )
                }
                #expect(codes == [200, 200, 200, 200, 429])
                // An hour later the window has slid past.
                world.clock.advance(seconds: 7200)
                #expect(try await client.post("/v1/media/\(allMedia[1])/likes?access_token=\(token)").code == 200)
            }
            // Off by default.
            try await world.withApp { client in
                for index in 0..<8 {
                    let response = try await client.post("/v1/media/\(allMedia[index])/likes?access_token=\(token)")
                    #expect(response.code == 200)
                }
            }
        }
    }
}
