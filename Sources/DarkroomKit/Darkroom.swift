import Foundation
import OpenAPIAsyncHTTPClient
import OpenAPIRuntime

/// A client of a Darkroom server (or any Instagram API v1 server): the generated `api` for every operation of the
/// API's OpenAPI document, with authentication and errors handled, plus what the generated code makes awkward —
/// signing in, following `next_url`, uploading a photo.
///
/// ```swift
/// let darkroom = try await Darkroom.signIn(server: server, clientID: id, clientSecret: secret,
///                                          username: "ada", password: password, scopes: [.basic, .likes])
/// for try await page in darkroom.feed() {
///     for media in page { print(media.user.username, media.caption?.text ?? "") }
/// }
/// ```
///
/// Every call either returns its success or throws a ``DarkroomError`` with the server's v1 error.
public struct Darkroom: Sendable {
    /// Every operation of the API, generated from its OpenAPI document (`Client`): `try await darkroom.api.getUser(path: .init(userId: "self"))`.
    /// Prefer ``call(_:)`` to receive a ``DarkroomError`` rather than the runtime's wrapper around it.
    public let api: Client
    public let server: URL
    public let credentials: Credentials

    /// - Parameters:
    ///   - server: the server's base address, e.g. `http://127.0.0.1:8080`.
    ///   - credentials: a user's token, or an app's client id; with the client secret, calls are signed.
    ///   - transport: how requests are sent (by default AsyncHTTPClient's shared client).
    public init(server: URL, credentials: Credentials, transport: any ClientTransport = AsyncHTTPClientTransport()) {
        self.server = server
        self.credentials = credentials
        self.transport = transport
        api = Client(
            serverURL: server,
            transport: transport,
            middlewares: [ErrorMiddleware(), AuthenticationMiddleware(credentials: credentials)]
        )
    }

    let transport: any ClientTransport

    /// Runs a generated call and answers its success, rethrowing a server's error as ``DarkroomError``.
    public func call<Output: Sendable>(_ operation: @Sendable (Client) async throws -> Output) async throws -> Output {
        do { return try await operation(api) } catch { throw DarkroomError.unwrap(error) }
    }

    // MARK: Signing in

    /// Signs in with a username and password (the password grant, for a client the operator allows to use it).
    /// - Parameter signsRequests: sign every call with the client secret (`sig`), for a client that enforces it.
    public static func signIn(
        server: URL,
        clientID: String,
        clientSecret: String,
        username: String,
        password: String,
        scopes: [OAuth.Scope] = [.basic],
        signsRequests: Bool = false,
        transport: any ClientTransport = AsyncHTTPClientTransport()
    ) async throws -> Darkroom {
        try await token(
            server: server,
            clientID: clientID,
            clientSecret: clientSecret,
            signsRequests: signsRequests,
            transport: transport,
            form: .init(
                clientId: clientID,
                clientSecret: clientSecret,
                grantType: .password,
                username: username,
                password: password,
                scope: scopes.map(\.rawValue).joined(separator: " ")
            )
        )
    }

    /// Exchanges the code the authorization page redirected back with (and the PKCE verifier it was asked with).
    public static func exchange(
        code: String,
        server: URL,
        clientID: String,
        clientSecret: String,
        redirectURI: String,
        pkce: OAuth.PKCE? = nil,
        signsRequests: Bool = false,
        transport: any ClientTransport = AsyncHTTPClientTransport()
    ) async throws -> Darkroom {
        try await token(
            server: server,
            clientID: clientID,
            clientSecret: clientSecret,
            signsRequests: signsRequests,
            transport: transport,
            form: .init(
                clientId: clientID,
                clientSecret: clientSecret,
                grantType: .authorizationCode,
                redirectUri: redirectURI,
                code: code,
                codeVerifier: pkce?.verifier
            )
        )
    }

    private static func token(
        server: URL,
        clientID: String,
        clientSecret: String,
        signsRequests: Bool,
        transport: any ClientTransport,
        form: Operations.GetAccessToken.Input.Body.UrlEncodedFormPayload
    ) async throws -> Darkroom {
        let anonymous = Darkroom(server: server, credentials: Credentials(), transport: transport)
        let answer = try await anonymous.call { try await $0.getAccessToken(body: .urlEncodedForm(form)).ok.body.json }
        return Darkroom(
            server: server,
            credentials: Credentials(accessToken: answer.accessToken, clientID: clientID, clientSecret: signsRequests ? clientSecret : nil),
            transport: transport
        )
    }

    // MARK: Lists, page by page

    /// The signed-in user's home feed, newest first, page by page.
    public func feed(count: Int = 20) -> Pages<Components.Schemas.Media> {
        mediaPages { try await $0.getUserFeed(path: .init(userId: ._self), query: .init(count: count)).ok.body.json }
    }

    /// A user's media, newest first, page by page.
    public func recentMedia(of userID: String, count: Int = 20) -> Pages<Components.Schemas.Media> {
        mediaPages { try await $0.getUserRecentMedia(path: .init(userId: userID), query: .init(count: count)).ok.body.json }
    }

    /// The accounts a user follows, page by page.
    public func follows(of userID: String, count: Int = 50) -> Pages<Components.Schemas.UserMini> {
        pages(
            first: { try await $0.getUserFollows(path: .init(userId: userID), query: .init(count: count)).ok.body.json },
            items: { ($0.data, $0.pagination?.nextUrl) }
        )
    }

    /// The accounts following a user, page by page.
    public func followers(of userID: String, count: Int = 50) -> Pages<Components.Schemas.UserMini> {
        pages(
            first: { try await $0.getUserFollowedBy(path: .init(userId: userID), query: .init(count: count)).ok.body.json },
            items: { ($0.data, $0.pagination?.nextUrl) }
        )
    }

    /// Any list of media whose first page a generated call answers.
    public func mediaPages(_ first: @escaping @Sendable (Client) async throws -> Components.Schemas.MediaPage) -> Pages<Components.Schemas.Media> {
        pages(first: first, items: { ($0.data, $0.pagination?.nextUrl) })
    }

    /// A list read by following `next_url`: the first page from a generated call, each next one by a GET of the
    /// address the server gave (it carries the cursor and the credentials), decoded as the first was.
    public func pages<Page: Decodable & Sendable, Item: Sendable>(
        first: @escaping @Sendable (Client) async throws -> Page,
        items: @escaping @Sendable (Page) -> ([Item], String?)
    ) -> Pages<Item> {
        let darkroom = self
        return Pages(
            first: { items(try await darkroom.call(first)) },
            following: { address in items(try await darkroom.get(address, as: Page.self)) }
        )
    }

    /// GETs an absolute address the server handed out (a `next_url`) and decodes its JSON.
    func get<Body: Decodable>(_ address: String, as type: Body.Type) async throws -> Body {
        guard let url = URL(string: address), let components = URLComponents(url: url, resolvingAgainstBaseURL: false),
            let scheme = components.scheme, let host = components.host
        else {
            throw DarkroomError(code: 0, type: "InvalidNextURL", message: "the server gave an invalid next_url: \(address)")
        }
        let origin = URL(string: "\(scheme)://\(host)\(components.port.map { ":\($0)" } ?? "")")!
        let path = components.percentEncodedPath + (components.percentEncodedQuery.map { "?" + $0 } ?? "")
        let (response, body) = try await transport.send(
            .init(method: .get, scheme: nil, authority: nil, path: path),
            body: nil,
            baseURL: origin,
            operationID: "next_url"
        )
        var data = Data()
        if let body { data = try await Data(collecting: body, upTo: 16 * 1024 * 1024) }
        guard (200..<300).contains(response.status.code) else { throw DarkroomError.decode(status: response.status.code, body: data) }
        return try JSONDecoder().decode(Body.self, from: data)
    }

    // MARK: Posting

    /// One photo of a post: the file as the device wrote it (JPEG, PNG, WebP, HEIC, AVIF, TIFF or GIF), and what the
    /// photographer chose for it.
    public struct Photo: Sendable {
        public var data: Data
        public var filter: String?
        /// `original` (its own shape, kept between 4:5 and 1.91:1) or `square`.
        public var crop: String?
        /// Where the crop is centred, from 0 to 1 across and down.
        public var focalPoint: (x: Double, y: Double)?
        public var altText: String?

        public init(_ data: Data, filter: String? = nil, crop: String? = nil, focalPoint: (x: Double, y: Double)? = nil, altText: String? = nil) {
            self.data = data
            self.filter = filter
            self.crop = crop
            self.focalPoint = focalPoint
            self.altText = altText
        }
    }

    /// Posts a photo through one of the classic filters; answers the new media.
    /// - Parameter idempotencyKey: retrying with the same key answers the first attempt's media instead of posting twice.
    public func upload(
        photo: Data,
        caption: String? = nil,
        filter: String? = nil,
        altText: String? = nil,
        idempotencyKey: String? = nil
    ) async throws -> Components.Schemas.Media {
        try await upload(photos: [Photo(photo, filter: filter, altText: altText)], caption: caption, idempotencyKey: idempotencyKey)
    }

    /// Posts one photo, or several as a carousel (up to 20), each with its own filter, crop and alt text.
    public func upload(photos: [Photo], caption: String? = nil, idempotencyKey: String? = nil) async throws -> Components.Schemas.Media {
        typealias Part = Operations.UploadMedia.Input.Body.MultipartFormPayload
        var parts: [Part] = photos.map { .photo(.init(payload: .init(body: HTTPBody($0.data)), filename: "photo")) }
        if let caption { parts.append(.caption(.init(payload: .init(body: HTTPBody(caption))))) }
        // Each per-photo field is sent once for every photo, in order, when any photo has one.
        if photos.contains(where: { $0.filter != nil }) {
            parts += photos.map { .filter(.init(payload: .init(body: HTTPBody($0.filter ?? "Normal")))) }
        }
        if photos.contains(where: { $0.crop != nil }) {
            parts += photos.map { .crop(.init(payload: .init(body: HTTPBody($0.crop ?? "original")))) }
        }
        if photos.contains(where: { $0.focalPoint != nil }) {
            parts += photos.map { photo in
                let point = photo.focalPoint ?? (0.5, 0.5)
                return .focalPoint(.init(payload: .init(body: HTTPBody("\(point.x),\(point.y)"))))
            }
        }
        if photos.contains(where: { $0.altText != nil }) {
            parts += photos.map { .altText(.init(payload: .init(body: HTTPBody($0.altText ?? "")))) }
        }
        let body = MultipartBody(parts)
        return try await call {
            try await $0.uploadMedia(headers: .init(idempotencyKey: idempotencyKey), body: .multipartForm(body)).ok.body.json.data
        }
    }

    /// Posts a video (MP4 or MOV, H.264 or HEVC); answers its processing state. The post is made once its renditions
    /// are ready: ``mediaIfReady(mediaID:)`` answers it then, and nil until.
    public func uploadVideo(
        _ video: Data,
        caption: String? = nil,
        filter: String? = nil,
        coverTime: Double? = nil,
        idempotencyKey: String? = nil
    ) async throws -> Components.Schemas.VideoProcessing {
        typealias Part = Operations.UploadMedia.Input.Body.MultipartFormPayload
        var parts: [Part] = [.video(.init(payload: .init(body: HTTPBody(video)), filename: "video"))]
        if let caption { parts.append(.caption(.init(payload: .init(body: HTTPBody(caption))))) }
        if let filter { parts.append(.filter(.init(payload: .init(body: HTTPBody(filter))))) }
        if let coverTime { parts.append(.coverTime(.init(payload: .init(body: HTTPBody("\(coverTime)"))))) }
        let body = MultipartBody(parts)
        return try await call {
            try await $0.uploadMedia(headers: .init(idempotencyKey: idempotencyKey), body: .multipartForm(body)).accepted.body.json.data
        }
    }

    /// A media, or nil while it is one of your videos still being processed.
    public func mediaIfReady(mediaID: String) async throws -> Components.Schemas.Media? {
        try await call { client in
            let output = try await client.getMedia(path: .init(mediaId: mediaID))
            if case .accepted = output { return nil }
            return try output.ok.body.json.data
        }
    }

    /// Changes a media's caption (empty removes it) or its photos' alt text (in order); what is nil stays.
    public func edit(mediaID: String, caption: String? = nil, altTexts: [String]? = nil) async throws -> Components.Schemas.Media {
        try await call {
            try await $0.editMedia(
                path: .init(mediaId: mediaID),
                body: .urlEncodedForm(.init(caption: caption, altText: altTexts))
            ).ok.body.json.data
        }
    }

    /// A photo of one of your posts as you sent it, byte for byte (`photo` from 1, for a carousel).
    public func original(mediaID: String, photo: Int = 1) async throws -> Data {
        try await call { client in
            let body = try await client.getMediaOriginal(path: .init(mediaId: mediaID), query: .init(photo: photo)).ok.body.image_Ast_
            return try await Data(collecting: body, upTo: 256 * 1024 * 1024)
        }
    }
}
