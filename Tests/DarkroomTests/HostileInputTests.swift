import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import NIOCore
import Testing

/// What an attacker would send: every Users endpoint, every parameter, hostile values. Never a 5xx,
/// always the v1 error envelope, and the data is unchanged afterwards.
@Suite struct HostileInputTests {
    static let hostileValues = [
        "", "-1", "0", "99999999999999999999999999", "9223372036854775807", "-9223372036854775808", "1e9", "0x10", "%00", "%00abc",
        "%27%20OR%201%3D1--", "%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E", "%F0%9F%93%B7", "%C3%28", "%FF%FE", "..%2F..%2Fetc%2Fpasswd",
        String(repeating: "a", count: 5000), "%E2%80%AE", "null", "undefined", "[]", "{}", "1_2_3", "_",
    ]
    static let endpoints = [
        "/v1/users/self", "/v1/users/self/feed", "/v1/users/self/media/liked", "/v1/users/search", "/v1/users/OWNER/media/recent",
    ]
    static let parameters = ["count", "max_id", "min_id", "min_timestamp", "max_timestamp", "max_like_id", "q", "callback"]

    @Test(arguments: Engine.available)
    func noParameterValueBreaksAnyEndpoint(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let owner = try await world.user("owner")
            for _ in 0..<3 { try await world.post(by: owner, caption: "#x") }
            let token = try await world.token(for: owner)
            try await world.withApp { client in
                for endpoint in Self.endpoints {
                    let path = endpoint.replacingOccurrences(of: "OWNER", with: owner.id.description)
                    for parameter in Self.parameters {
                        for value in Self.hostileValues {
                            let query = parameter == "q" ? "" : "&q=a"
                            try await client.execute(uri: "\(path)?access_token=\(token)\(query)&\(parameter)=\(value)", method: .get) { response in
                                #expect(response.status.code < 500, "\(path) \(parameter)=\(value.prefix(40))")
                                let body = String(buffer: response.body)
                                #expect(body.contains("\"meta\":{"), "\(path) \(parameter)=\(value.prefix(40))")
                            }
                        }
                    }
                }
                for id in Self.hostileValues {
                    let response = try await client.get("/v1/users/\(id)/media/recent?access_token=\(token)")
                    #expect(response.status == 400 || response.status == 404, "user id \(id.prefix(40))")
                }
                let after = try await client.get("/v1/users/self/media/recent?access_token=\(token)")
                #expect(after.ids.count == 3)
            }
        }
    }

    /// The sign-in and OAuth ways in, every field, hostile values: never a 5xx, never a redirect off the registered URI,
    /// and no account or client made by accident.
    @Test(arguments: Engine.available)
    func noFieldBreaksTheSignInAndOAuthEndpoints(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let app = try await world.storage.clients.create(name: "App", redirectURIs: ["http://app.example/cb"])
            let usersBefore = try await world.storage.database.query("SELECT count(*) FROM users").scalarInt()
            try await world.withApp { client in
                let browser = Browser(client)
                try await browser.get("/accounts/signup")
                for value in Self.hostileValues {
                    for (path, fields) in [
                        ("/oauth/authorize", ["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge"])
                    ] {
                        for field in fields {
                            let query = "client_id=\(app.clientID)&redirect_uri=http%3A%2F%2Fapp.example%2Fcb&response_type=code&\(field)=\(value)"
                            let page = try await browser.get("\(path)?\(query)")
                            #expect(page.status < 500, "\(path) \(field)=\(value.prefix(40))")
                            if let location = page.location {
                                #expect(
                                    location.hasPrefix("http://app.example/cb") || location.hasPrefix("/accounts/login"),
                                    "\(location.prefix(80))"
                                )
                            }
                        }
                    }
                    let decoded = value.removingPercentEncoding ?? value
                    for field in ["client_id", "client_secret", "grant_type", "code", "redirect_uri", "username", "password", "code_verifier"] {
                        var fields = [("client_id", app.clientID), ("client_secret", app.clientSecret), ("grant_type", "authorization_code")]
                        fields.removeAll { $0.0 == field }
                        fields.append((field, decoded))
                        let body = fields.map { "\($0.0)=\(Browser.encode($0.1))" }.joined(separator: "&")
                        let status = try await client.execute(uri: "/oauth/access_token", method: .post, body: ByteBuffer(string: body)) {
                            $0.status.code
                        }
                        #expect(status == 400 || status == 429, "token endpoint \(field)=\(value.prefix(40)) answered \(status)")
                    }
                    for (path, field) in [
                        ("/accounts/login", "username"), ("/accounts/login", "password"), ("/accounts/signup", "username"),
                        ("/accounts/signup", "full_name"), ("/accounts/login", "next"),
                    ] {
                        let page = try await browser.post(path, [(field, decoded), ("password", "x")])
                        #expect(page.status < 500, "\(path) \(field)=\(value.prefix(40))")
                        if let location = page.location { #expect(location.hasPrefix("/"), "\(location.prefix(80))") }
                    }
                }
            }
            #expect(try await world.storage.database.query("SELECT count(*) FROM users").scalarInt() == usersBefore)
        }
    }
}
