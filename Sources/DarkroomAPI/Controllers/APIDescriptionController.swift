import Foundation
import Hummingbird
import NIOCore
import Yams

/// `GET /v1/openapi.json` and `/v1/openapi.yaml`: the OpenAPI description of this API (`OpenAPI/openapi.yaml`, a
/// module resource, the one source; DarkroomKit is generated from it). Read and converted to JSON once, when the
/// application is built, and served from memory.
struct APIDescriptionController {
    struct Document: Sendable {
        let yaml: ByteBuffer
        let json: ByteBuffer
    }

    /// Loaded once per process; the document is part of the build, so failing to read it is a broken build.
    static let shared: Document = {
        do { return try load() } catch { preconditionFailure("Sources/DarkroomAPI/OpenAPI/openapi.yaml does not load: \(error)") }
    }()

    static func load() throws -> Document {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "yaml", subdirectory: "OpenAPI") else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "openapi.yaml is missing from the build"])
        }
        let text = try String(contentsOf: url, encoding: .utf8)
        guard let tree = try Yams.load(yaml: text) else { throw CocoaError(.fileReadCorruptFile) }
        let json = try JSONSerialization.data(withJSONObject: tree, options: [.sortedKeys, .withoutEscapingSlashes])
        return Document(yaml: ByteBuffer(string: text), json: ByteBuffer(bytes: json))
    }

    var document: Document = Self.shared

    func addRoutes(to router: Router<AppRequestContext>) {
        // `PathNormalizingResponder` reads `.json` as v1's suffix: `/v1/openapi.json` arrives as `/v1/openapi`.
        router.get("/v1/openapi") { _, _ in respond(document.json, type: "application/json") }
        router.get("/v1/openapi.yaml") { _, _ in respond(document.yaml, type: "application/yaml") }
    }

    private func respond(_ body: ByteBuffer, type: String) -> Response {
        // Readable from any origin, so documentation viewers in a browser can load it.
        Response(
            status: .ok,
            headers: [.contentType: type, .accessControlAllowOrigin: "*", .cacheControl: "public, max-age=300"],
            body: .init(byteBuffer: body)
        )
    }
}
