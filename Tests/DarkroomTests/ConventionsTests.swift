import DarkroomCore
import DarkroomStorage
import Foundation
import HummingbirdTesting
import Testing

/// The v1 conventions every endpoint shares: envelope, errors, credentials, `.json`, slashes and JSONP.
@Suite struct ConventionsTests {
    @Test(arguments: Engine.available)
    func unknownRoutesAnswerInTheEnvelope(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            try await world.withApp { client in
                let response = try await client.get("/v1/no/such/thing")
                #expect(response.status == 404)
                #expect(response.code == 404)
                #expect(response.errorType == "APINotFoundError")
                #expect(response.meta.errorMessage != nil)
                #expect(!response.hasDataField)
            }
        }
    }

    @Test(arguments: Engine.available)
    func credentialsAreRequiredAndChecked(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            let client = try await world.client()
            try await world.withApp { client2 in
                let none = try await client2.get("/v1/users/self")
                #expect(none.status == 400 && none.errorType == "OAuthParameterException")
                #expect(none.meta.errorMessage == "Missing client_id or access_token URL parameter.")

                let appOnly = try await client2.get("/v1/users/self?client_id=\(client.clientID)")
                #expect(appOnly.errorType == "OAuthParameterException")
                #expect(appOnly.meta.errorMessage == "'self' keyword requires an authenticated user")

                let feedAppOnly = try await client2.get("/v1/users/self/feed?client_id=\(client.clientID)")
                #expect(feedAppOnly.meta.errorMessage == "'self' keyword requires an authenticated user")

                let badToken = try await client2.get("/v1/users/self?access_token=1.abc.def")
                #expect(badToken.status == 400 && badToken.errorType == "OAuthAccessTokenException")

                let badClient = try await client2.get("/v1/users/\(kevin.id)?client_id=nope")
                #expect(badClient.status == 400 && badClient.errorType == "OAuthParameterException")

                let publicRead = try await client2.get("/v1/users/\(kevin.id)?client_id=\(client.clientID)")
                #expect(publicRead.status == 200 && publicRead.user?.username == "kevin")
            }
        }
    }

    @Test(arguments: Engine.available)
    func jsonSuffixTrailingSlashAndAuthorizationHeaderReachTheSameRoute(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            let token = try await world.token(for: kevin)
            try await world.withApp { client in
                for path in ["/v1/users/self", "/v1/users/self.json", "/v1/users/self/", "/v1/users/\(kevin.id).json"] {
                    let response = try await client.get(path + "?access_token=\(token)")
                    #expect(response.status == 200, "\(path)")
                    #expect(response.user?.id == kevin.id.description)
                }
                let viaHeader = try await client.execute(
                    uri: "/v1/users/self",
                    method: .get,
                    headers: [.authorization: "Token token=\"\(token)\""]
                ) { try JSONBody($0) }
                #expect(viaHeader.user?.username == "kevin")
            }
        }
    }

    @Test(arguments: Engine.available)
    func callbackMakesJSONPOnlyForPlainIdentifiers(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            let token = try await world.token(for: kevin)
            try await world.withApp { client in
                try await client.execute(uri: "/v1/users/self?access_token=\(token)&callback=app.cache_1.parse", method: .get) { response in
                    let body = String(buffer: response.body)
                    #expect(body.hasPrefix("/**/ app.cache_1.parse({\"meta\":{\"code\":200}"))
                    #expect(body.hasSuffix("});"))
                    #expect(response.headers[.contentType]?.hasPrefix("application/javascript") == true)
                }
                // An empty name is refused like any other that is not an identifier.
                for hostile in ["alert(1)", "a;b", "</script>", "1abc", "a..b", ""] {
                    let response = try await client.get("/v1/users/self?access_token=\(token)&callback=\(Parameters_encode(hostile))")
                    #expect(response.status == 400 && response.errorType == "APIInvalidParametersError", "\(hostile)")
                }
                // Errors are wrapped too, with HTTP 200 so the browser runs the script; the real code is in meta.
                try await client.execute(uri: "/v1/users/self?callback=cb", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(String(buffer: response.body).hasPrefix("/**/ cb({\"meta\":{\"error_type\":\"OAuthParameterException\",\"code\":400"))
                }
                // Without a callback an error keeps its status.
                #expect(try await client.get("/v1/users/self").status == 400)
                // Pages and files are never JSONP.
                for path in ["/accounts/login?callback=steal", "/static/anonymousUser.jpg?callback=steal", "/p/CzpJJJzgAQA/?callback=steal"] {
                    try await client.execute(uri: path, method: .get) { response in
                        #expect(!String(buffer: response.body).hasPrefix("/**/"), "\(path)")
                        #expect(response.headers[.contentType]?.hasPrefix("application/javascript") != true, "\(path)")
                    }
                }
            }
        }
    }

    @Test(arguments: Engine.available)
    func unknownAndMalformedUserIDsAreNotFound(engine: Engine) async throws {
        try await TestWorld.with(engine) { world in
            let kevin = try await world.user("kevin")
            let token = try await world.token(for: kevin)
            try await world.withApp { client in
                for id in ["123456", "abc", "-1", "99999999999999999999999", "1%27%20OR%201=1"] {
                    let response = try await client.get("/v1/users/\(id)?access_token=\(token)")
                    #expect(response.status == 400 && response.errorType == "APINotFoundError", "\(id)")
                    #expect(response.meta.errorMessage == "this user does not exist")
                }
            }
        }
    }
}

/// Percent-encodes a test value for a query string.
func Parameters_encode(_ text: String) -> String {
    text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
}
