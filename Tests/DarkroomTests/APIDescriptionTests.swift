import DarkroomCore
import Foundation
import HummingbirdTesting
import Testing
import Yams

@testable import DarkroomAPI

/// The OpenAPI document (`Sources/DarkroomAPI/OpenAPI/openapi.yaml`) and the server cannot drift apart: every `/v1`
/// route has an operation and every operation a route (through `Endpoint.all`, which `APIRoutes` and
/// `ScopeTableTests` tie to the routes), each operation's security names its table entry's scope, the routes outside
/// `/v1` it describes exist, and what the server serves is the document.
@Suite struct APIDescriptionTests {
    private static func document() throws -> [String: Any] {
        let text = String(buffer: APIDescriptionController.shared.yaml)
        return try #require(try Yams.load(yaml: text) as? [String: Any])
    }

    /// "GET /users/:user_id" → its security requirement, for every `/v1` operation but the document's own.
    private static func operations() throws -> [String: [[String: [String]]]] {
        let paths = try #require(try document()["paths"] as? [String: [String: Any]])
        var operations: [String: [[String: [String]]]] = [:]
        for (path, methods) in paths where path.hasPrefix("/v1/") && !path.hasPrefix("/v1/openapi") {
            let routePath = String(path.dropFirst(3)).replacingOccurrences(of: "{", with: ":").replacingOccurrences(of: "}", with: "")
            for (method, operation) in methods {
                let security = (operation as? [String: Any])?["security"] as? [[String: [String]]] ?? []
                operations["\(method.uppercased()) \(routePath)"] = security
            }
        }
        return operations
    }

    private static func security(for access: Access) -> [[String: [String]]] {
        switch access {
        case .clientOrUser(let scope): [["accessToken": [scope.rawValue]], ["accessTokenHeader": [scope.rawValue]], ["clientID": []]]
        case .user(let scope): [["accessToken": [scope.rawValue]], ["accessTokenHeader": [scope.rawValue]]]
        }
    }

    @Test func everyRouteHasAnOperationAndEveryOperationARoute() throws {
        let operations = try Self.operations()
        let routes = Set(Endpoint.all.map(\.key))
        #expect(routes.subtracting(operations.keys).sorted() == [], "routes the document does not describe")
        #expect(Set(operations.keys).subtracting(routes).sorted() == [], "operations the server does not serve")
        for endpoint in Endpoint.all {
            let (key, access) = (endpoint.key, endpoint.access)
            let documented = operations[key] ?? []
            #expect(documented == Self.security(for: access), "\(key): the document's security is not the table's \(access)")
        }
    }

    /// DarkroomKit's generated code is committed: `scripts/generate-kit` records the document it was generated from.
    @Test func darkroomKitWasGeneratedFromThisDocument() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let document = try String(contentsOf: root.appendingPathComponent("Sources/DarkroomAPI/OpenAPI/openapi.yaml"), encoding: .utf8)
        let recorded = try String(contentsOf: root.appendingPathComponent("Sources/DarkroomKit/Generated/openapi.sha256"), encoding: .utf8)
        #expect(
            recorded.trimmingCharacters(in: .whitespacesAndNewlines) == Hex.sha256(document),
            "openapi.yaml changed since DarkroomKit was generated: run scripts/generate-kit"
        )
    }

    @Test func theServerServesTheDocumentAndItsOtherRoutesExist() async throws {
        try await TestWorld.with(.sqlite) { world in
            try await world.withApp { client in
                let json = try await client.execute(uri: "/v1/openapi.json", method: .get) { response in
                    #expect(response.headers[.contentType] == "application/json")
                    return response.body
                }
                #expect(json == (try APIDescriptionController.load().json))
                let paths = (try JSONSerialization.jsonObject(with: Data(buffer: json)) as? [String: Any])?["paths"] as? [String: Any]
                #expect(Set(paths?.keys.map { $0 } ?? []) == Set((try Self.document()["paths"] as? [String: Any])?.keys.map { $0 } ?? []))
                let yaml = try await client.execute(uri: "/v1/openapi.yaml", method: .get) { String(buffer: $0.body) }
                #expect(yaml == String(buffer: APIDescriptionController.shared.yaml))
                // The operations outside /v1 are routes: each answers its own error for an empty request, not 404.
                #expect(try await client.get("/oembed").status == 400)
                let token = try await client.execute(
                    uri: "/oauth/access_token",
                    method: .post,
                    headers: [.contentType: "application/x-www-form-urlencoded"],
                    body: .init()
                ) { $0.status.code }
                #expect(token == 400)
            }
        }
    }
}
