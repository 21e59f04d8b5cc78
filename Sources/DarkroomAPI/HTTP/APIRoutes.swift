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

    /// Serves `endpoint` with `handler`, behind the pipeline its declaration calls for.
    func add(_ endpoint: Endpoint, _ handler: @escaping Handler) {
        let pipeline = APIPipeline(
            dependencies: dependencies,
            access: endpoint.access,
            writeKind: endpoint.writes,
            pathNames: endpoint.pathNames,
            handler: handler
        )
        router.on(RouterPath("/v1" + endpoint.route), method: endpoint.method) { request, context in
            await pipeline.respond(to: request, context: context)
        }
    }
}
