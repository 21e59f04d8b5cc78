import DarkroomCore
import DarkroomStorage
import HummingbirdTesting
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
}
