import DarkroomCore
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@testable import DarkroomAPI

/// Every declared `Endpoint` against a live application: each is a real route, client_id-only calls work
/// exactly where the table allows them, and a token without the write scope an entry names is refused.
@Suite struct ScopeTableTests {
    @Test func everyEndpointEnforcesItsEntry() async throws {
        try await TestWorld.with(.sqlite) { world in
            let owner = try await world.user("owner")
            let media = try await world.post(by: owner, caption: "#tag")
            let location = try await world.storage.locations.create(name: "Pier", at: GeoPoint(latitude: 1, longitude: 2))
            let app = try await world.client()
            let basicOnly = try await world.token(for: owner, scopes: [.basic])
            try await world.withApp { client in
                for endpoint in Endpoint.all {
                    let (key, access) = (endpoint.key, endpoint.access)
                    let parts = key.split(separator: " ", maxSplits: 1)
                    let method = HTTPRequest.Method(rawValue: String(parts[0]))!
                    let path =
                        "/v1"
                        + parts[1]
                        .replacingOccurrences(of: ":user_id", with: "self")
                        .replacingOccurrences(of: ":media_id", with: media.description)
                        .replacingOccurrences(of: ":comment_id", with: "1")
                        .replacingOccurrences(of: ":location_id", with: location.id!.description)
                        .replacingOccurrences(of: ":tag_name", with: "tag")
                        .replacingOccurrences(of: ":shortcode", with: Shortcode.encode(media))
                    let separator = path.contains("?") ? "&" : "?"
                    let withClient = try await client.execute(
                        uri: path.replacingOccurrences(of: "/self", with: "/\(owner.id)") + separator
                            + "client_id=\(app.clientID)&client_secret=\(app.clientSecret)&lat=1&lng=2&q=a",
                        method: method
                    ) { try JSONBody($0) }
                    // The live stream never ends by itself: a token's call is checked by the client tests, which read it as it comes.
                    let withToken =
                        key == "GET /stream"
                        ? withClient
                        : try await client.execute(uri: path + separator + "access_token=\(basicOnly)&lat=1&lng=2&q=a", method: method) {
                            try JSONBody($0)
                        }
                    #expect(withClient.status != 404 && withToken.status != 404, "\(key) is not a route")
                    switch access {
                    case .clientOrUser:
                        #expect(
                            withClient.errorType == nil || !withClient.errorType!.hasPrefix("OAuth"),
                            "\(key) refused a client_id: \(String(decoding: withClient.body, as: UTF8.self))"
                        )
                    case .user(let scope):
                        #expect(withClient.errorType == "OAuthParameterException", "\(key) took a client_id alone")
                        if key == "GET /stream" {
                            continue
                        } else if scope == .basic {
                            #expect(withToken.errorType?.hasPrefix("OAuth") != true, "\(key): \(String(decoding: withToken.body, as: UTF8.self))")
                        } else {
                            #expect(withToken.errorType == "OAuthPermissionsException", "\(key) wrote without scope \(scope)")
                        }
                    }
                }
            }
        }
    }
}
