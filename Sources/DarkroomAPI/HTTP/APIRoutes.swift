import DarkroomCore
import DarkroomStorage
import HTTPTypes
import Hummingbird

/// Registers `/v1` routes: each handler gets the parsed parameters and an authenticated caller,
/// and answers a finished response (built by a serializer inside the envelope).
struct APIRoutes {
    let router: Router<AppRequestContext>
    let dependencies: Dependencies

    typealias Handler = @Sendable (APIRequest) async throws -> Response

    func get(_ path: String, _ handler: @escaping Handler) { add(.get, path, handler) }
    func post(_ path: String, _ handler: @escaping Handler) { add(.post, path, handler) }
    func delete(_ path: String, _ handler: @escaping Handler) { add(.delete, path, handler) }

    private func add(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        let pipeline = APIPipeline(
            dependencies: dependencies,
            access: EndpointAccess.of(method, path),
            writeKind: EndpointAccess.writeKind(method, path),
            pathNames: path.split(separator: "/").filter { $0.hasPrefix(":") }.map { String($0.dropFirst()) },
            handler: handler
        )
        router.on(RouterPath("/v1" + path), method: method) { request, context in await pipeline.respond(to: request, context: context) }
    }
}
