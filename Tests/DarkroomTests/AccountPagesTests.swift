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

/// The pages of a signed-in person: developers' clients and apps, settings, permalinks, on both engines.
@Suite struct AccountPagesTests {
    @Test(arguments: Engine.available)
    func settingsChangeTheProfileEverywhere(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await OAuthTests.member(world, "ann")
            let token = try await world.token(for: ann)
            let media = try await world.post(by: ann)
            try await world.withApp { client in
                _ = try await client.get("/v1/media/\(media)?access_token=\(token)")
                let browser = Browser(client)
                _ = try await OAuthTests.logIn(browser, "ann")
                try await browser.get("/accounts/settings")
                let bad = try await browser.post("/accounts/settings", [("full_name", "Ann"), ("website", "javascript:alert(1)")])
                #expect(bad.status == 400)
                let saved = try await browser.post(
                    "/accounts/settings",
                    [
                        ("full_name", "Ann Adams"), ("bio", "Landscapes"), ("website", "https://ann.example"), ("is_private", "on"),
                    ]
                )
                #expect(saved.status == 200 && saved.body.contains("Saved"))
                let me = try await client.get("/v1/users/self?access_token=\(token)")
                #expect(me.user?.fullName == "Ann Adams" && me.user?.bio == "Landscapes")
                let shown = try await client.get("/v1/media/\(media)?access_token=\(token)")
                #expect(shown.media?.user.fullName == "Ann Adams", "no stale rendering")
                #expect(try await world.storage.users.find(ann.id)?.isPrivate == true)

                // The profile picture form: multipart, with the CSRF field among its parts.
                let boundary = "settings-boundary-42"
                var body = Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n\(browser.csrf)\r\n".utf8)
                body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"me.jpg\"\r\n\r\n".utf8)
                body += try SyntheticPhoto.jpeg(width: 300, height: 200) + Array("\r\n--\(boundary)--\r\n".utf8)
                let cookies = browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
                let uploaded = try await client.execute(
                    uri: "/accounts/settings/picture",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .cookie: cookies],
                    body: ByteBuffer(bytes: body)
                ) { $0 }
                #expect(uploaded.status == .ok)
                let picture = try #require(try await world.storage.users.find(ann.id)?.summary.profilePicture)
                #expect(world.storage.files.path(picture, "profile.jpg") != nil)
                let forged = try await client.execute(
                    uri: "/accounts/settings/picture",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(boundary)", .cookie: cookies],
                    body: ByteBuffer(bytes: Array("--\(boundary)--\r\n".utf8))
                ) { $0 }
                #expect(forged.status == .forbidden)
            }
        }
    }

    /// The page each media's `link` names: shown to whoever may see the media, signed in or not.
    @Test(arguments: Engine.available)
    func permalinkPagesFollowVisibility(_ engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await OAuthTests.member(world, "ann")
            let fan = try await OAuthTests.member(world, "fan")
            let secret = try await world.storage.users.create(
                NewUser(
                    username: "secret",
                    passwordHash: await PasswordHasher.hash("correct horse", cost: 4),
                    isPrivate: true
                )
            )
            let open = try await world.post(by: ann, caption: "Dusk <b>#sky</b>")
            let hidden = try await world.post(by: secret, caption: "for friends")
            let relationships = world.storage.relationships
            try await relationships.requestFollow(fan.id, secret.id, current: relationships.relationship(of: fan.id, to: secret.id))
            #expect(try await relationships.approve(secret.id, requester: fan.id))
            try await world.withApp { client in
                let anyone = Browser(client)
                let page = try await anyone.get("/p/\(Shortcode.encode(open))/")
                #expect(page.status == 200 && page.body.contains("@ann") && page.body.contains("Dusk &lt;b&gt;#sky&lt;/b&gt;"))
                #expect(page.body.contains("/media/test/ann/standard.jpg"))
                #expect(try await anyone.get("/p/\(Shortcode.encode(hidden))/").status == 404)
                #expect(try await anyone.get("/p/not-a-code!/").status == 404)
                let follower = Browser(client)
                _ = try await OAuthTests.logIn(follower, "fan")
                let shown = try await follower.get("/p/\(Shortcode.encode(hidden))/")
                #expect(shown.status == 200 && shown.body.contains("for friends"))
            }
        }
    }
}
