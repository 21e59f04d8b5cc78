import DarkroomCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import DarkroomAPI

/// One way in for every request: the API, the pages, the token endpoint and `_method` read bodies by the same rules,
/// and each reports a refusal in its own format.
@Suite struct RequestInputTests {
    static let boundary = "----darkroom-input-test"

    static func multipart(_ fields: [String: String]) -> ByteBuffer {
        var body = ""
        for (name, value) in fields { body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n" }
        return ByteBuffer(string: body + "--\(boundary)--\r\n")
    }

    /// What a form refused for its size still said before its first file: complete text parts only, none after a file.
    @Test func theFieldsBeforeARefusedBodysFirstFileAreKept() {
        let head =
            "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\nabc\r\n"
            + "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"caption\"\r\n\r\nLine one\r\nline two\r\n"
            + "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"a.jpg\"\r\n\r\n\u{FF}\u{D8}"
            + String(repeating: "x", count: 500) + "\r\n"
            + "--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"after\"\r\n\r\nlate\r\n--\(Self.boundary)--\r\n"
        let fields = MultipartForm.leadingFields(of: ByteBuffer(string: head), boundary: Self.boundary)
        #expect(fields.value("csrf_token") == "abc" && fields.value("caption") == "Line one\r\nline two" && fields.value("after") == nil)
        // Cut inside the caption: only what is whole.
        let cut = MultipartForm.leadingFields(of: ByteBuffer(string: String(head.prefix(120))), boundary: Self.boundary)
        #expect(cut.value("csrf_token") == "abc" && cut.value("caption") == nil)
        #expect(MultipartForm.leadingFields(of: ByteBuffer(string: "not multipart"), boundary: Self.boundary).value("caption") == nil)
    }

    @Test(arguments: Engine.available)
    func aPhotoPostedFromAPageIsAdmittedLikeAnUpload(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            _ = try await OAuthTests.member(world, "ann")
            try await world.withApp(configure: { $0.ingestCapacity = 0 }) { client in
                let browser = Browser(client)
                _ = try await OAuthTests.logIn(browser, "ann")
                let session = try #require(browser.cookies["darkroom_session"])
                let page = try await client.execute(
                    uri: "/accounts/settings/picture",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(Self.boundary)", .cookie: "darkroom_session=\(session)"],
                    body: Self.multipart(["csrf_token": "x"])
                )
                #expect(page.status == .serviceUnavailable && page.headers[.retryAfter] == "2")
                #expect(page.headers[.contentType]?.hasPrefix("text/html") == true)
                // Without a session the photo is not read at all.
                let stranger = try await client.execute(
                    uri: "/accounts/settings/picture",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(Self.boundary)"],
                    body: Self.multipart(["csrf_token": "x"])
                )
                #expect(stranger.status == .forbidden)
            }
        }
    }

    /// A photo's bytes are read only for a caller who may post one: credentials in the query or a header, with the
    /// upload scope; within the upload limit as declared; within the budget of bytes in flight.
    @Test(arguments: Engine.available)
    func uploadBodiesAreReadOnlyForCallersWhoMaySendThem(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let ann = try await world.user("ann")
            let uploader = try await world.token(for: ann, scopes: [.basic, .upload])
            let reader = try await world.token(for: ann, scopes: [.basic])
            let multipart: HTTPFields = [.contentType: "multipart/form-data; boundary=\(Self.boundary)"]
            try await world.withApp(configure: {
                $0.uploadLimit = 1024 * 1024
                $0.bodyBudget = 1536 * 1024
            }) { client in
                func upload(_ query: String, headers: HTTPFields = [:], fields: [String: String] = ["caption": "hi"]) async throws -> JSONBody {
                    var all = multipart
                    all.append(contentsOf: headers)
                    return try await client.execute(uri: "/v1/media/upload\(query)", method: .post, headers: all, body: Self.multipart(fields)) {
                        try JSONBody($0)
                    }
                }
                #expect(try await upload("").errorType == "OAuthParameterException")
                // A token inside the multipart body is not looked at: the body is not read before credentials pass.
                #expect(try await upload("", fields: ["access_token": uploader]).errorType == "OAuthParameterException")
                #expect(try await upload("?access_token=\(reader)").errorType == "OAuthPermissionsException")
                #expect(try await upload("?access_token=\(uploader)").errorMessage.contains("photo"), "read once allowed: the photo is missing")
                #expect(try await upload("", headers: [.authorization: "Token token=\"\(uploader)\""]).errorMessage.contains("photo"))
                // Past the upload limit: 413, and the connection closes (a declared length over it is refused unread;
                // Tests/clients/test_http.py checks that over a real socket).
                let tooLarge = try await client.execute(
                    uri: "/v1/media/upload?access_token=\(uploader)",
                    method: .post,
                    headers: multipart,
                    body: ByteBuffer(repeating: UInt8(ascii: "a"), count: 1024 * 1024 + 1)
                ) { $0 }
                #expect(tooLarge.status == .contentTooLarge && tooLarge.headers[.connection] == "close")
                // Past the budget of bytes in flight (two 1 MiB bodies do not fit in 1.5 MiB): 503 with Retry-After.
                let body = ByteBuffer(repeating: UInt8(ascii: "a"), count: 1024 * 1024)
                let results = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
                    for _ in 0..<2 {
                        group.addTask {
                            let response = try await client.execute(
                                uri: "/v1/media/upload?access_token=\(uploader)",
                                method: .post,
                                headers: multipart + [.contentLength: String(body.readableBytes)],
                                body: body
                            ) { $0 }
                            return (Int(response.status.code), response.headers[.retryAfter])
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(results.contains { $0.0 == 400 })
                #expect(results.filter { $0.0 == 503 }.allSatisfy { $0.1 == "2" })
            }
        }
    }

    @Test(arguments: Engine.available)
    func formBodiesAreSmall(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                let small = ByteBuffer(repeating: UInt8(ascii: "a"), count: 60 * 1024)
                let over = ByteBuffer(repeating: UInt8(ascii: "a"), count: 65 * 1024)
                #expect(
                    try await client.execute(uri: "/v1/media/1/likes", method: .post, headers: form, body: small) { try JSONBody($0) }.status == 400
                )
                let refused = try await client.execute(uri: "/v1/media/1/likes", method: .post, headers: form, body: over) { try JSONBody($0) }
                #expect(refused.status == 413 && refused.errorType == "APIInvalidParametersError")
            }
        }
    }

    @Test(arguments: Engine.available)
    func theTokenEndpointTakesOnlyForms(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let response = try await client.execute(
                    uri: "/oauth/access_token",
                    method: .post,
                    headers: [.contentType: "multipart/form-data; boundary=\(Self.boundary)"],
                    body: Self.multipart(["client_id": "x"])
                )
                #expect(response.status == .badRequest)
                #expect(try JSONDecoder().decode(WireTokenAnswer.self, from: Data(buffer: response.body)).error == "invalid_request")
                let nul = try await client.execute(
                    uri: "/oauth/access_token",
                    method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: ByteBuffer(string: "client_id=a%00b")
                )
                #expect(nul.status == .badRequest)
            }
        }
    }

    /// A form body too large for `_method` to be read from is refused by the route in its own format: JSON for the
    /// API, a page for the pages.
    @Test(arguments: Engine.available)
    func anOversizedFormIsRefusedInEachRoutesFormat(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let big = ByteBuffer(repeating: UInt8(ascii: "a"), count: 3 * 1024 * 1024)
                let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
                let api = try await client.execute(uri: "/v1/media/1/likes", method: .post, headers: form, body: big) { try JSONBody($0) }
                #expect(api.status == 413 && api.errorType == "APIInvalidParametersError")
                let page = try await client.execute(uri: "/accounts/login", method: .post, headers: form, body: big)
                #expect(page.status == .contentTooLarge && page.headers[.contentType]?.hasPrefix("text/html") == true)
            }
        }
    }

    /// `_method` in a form body turns a POST into a DELETE, and the route still sees the form.
    @Test(arguments: Engine.available)
    func methodOverrideInTheBodyKeepsTheForm(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let media = try await world.post(by: owner)
            let token = try await world.token(for: owner, scopes: [.basic, .likes])
            try await world.withApp { client in
                #expect(try await client.post("/v1/media/\(media)/likes?access_token=\(token)").code == 200)
                #expect(try await world.storage.media.find(media, viewer: nil)?.likeCount == 1)
                let unliked = try await client.post("/v1/media/\(media)/likes", form: ["_method": "DELETE", "access_token": token])
                #expect(unliked.code == 200)
                #expect(try await world.storage.media.find(media, viewer: nil)?.likeCount == 0)
            }
        }
    }
}

/// HEAD wherever GET answers: the same status and headers, no body.
@Suite struct HeadTests {
    @Test(arguments: Engine.available)
    func headAnswersLikeGetWithoutABody(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            let app = try await world.client()
            let key = try world.storage.files.store([("standard.jpg", [0xFF, 0xD8, 0xFF, 0xD9])], kind: .media)
            let media = try await world.post(by: owner)
            try await world.withApp { client in
                for path in [
                    "/v1/users/\(owner.id)?client_id=\(app.clientID)", "/v1/users/\(owner.id).json?client_id=\(app.clientID)",
                    "/v1/users/999?client_id=\(app.clientID)", "/accounts/login", "/accounts/login/", "/static/anonymousUser.jpg",
                    "/media/\(key)/standard.jpg", "/p/\(Shortcode.encode(media))/",
                ] {
                    let get = try await client.execute(uri: path, method: .get) { $0 }
                    let head = try await client.execute(uri: path, method: .head) { $0 }
                    #expect(head.status == get.status, "\(path)")
                    #expect(head.body.readableBytes == 0, "\(path)")
                    #expect(head.headers[.contentType] == get.headers[.contentType], "\(path)")
                    #expect(head.headers[.contentLength] == get.headers[.contentLength] || head.headers[.contentLength] == nil, "\(path)")
                    if path.hasPrefix("/v1/") { #expect(head.headers[HTTPField.Name("X-Ratelimit-Limit")!] != nil, "\(path)") }
                }
            }
        }
    }
}
