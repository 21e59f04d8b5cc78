import DarkroomStorage
import Hummingbird
import Logging
import NIOCore

/// The composition root: wires storage, links, middleware and controllers into a Hummingbird application.
/// The `serve` command and the tests both call it.
public func buildApplication(
    configuration: AppConfiguration, storage: Storage, logger: Logger, onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let dependencies = Dependencies(
        storage: storage, links: Links(publicURL: configuration.publicURL, mediaBaseURL: configuration.mediaURL), logger: logger)
    let router = buildRouter(dependencies, configuration: configuration)
    let worker = JobWorker(runner: JobRunner(storage: storage, logger: logger), logger: logger)
    return Application(
        responder: PathNormalizingResponder(next: router.buildResponder()),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Darkroom"),
        services: configuration.runsJobs ? [worker] : [],
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger)
}

func buildRouter(_ dependencies: Dependencies, configuration: AppConfiguration) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    router.middlewares.add(RequestLogMiddleware(logger: dependencies.logger))
    router.middlewares.add(JSONPMiddleware())
    router.middlewares.add(APIErrorMiddleware(logger: dependencies.logger))

    let api = APIRoutes(router: router, dependencies: dependencies)
    UsersController(dependencies: dependencies).addRoutes(to: api)
    RelationshipsController(dependencies: dependencies).addRoutes(to: api)
    MediaEngagementController(dependencies: dependencies).addRoutes(to: api)
    MediaController(dependencies: dependencies).addRoutes(to: api)
    TagsController(dependencies: dependencies).addRoutes(to: api)
    LocationsController(dependencies: dependencies).addRoutes(to: api)

    if let ceiling = configuration.benchmarkCeiling {
        router.get("/bench/ready") { _, _ in Envelope.response(status: .ok, body: ceiling.current) }
    }
    return router
}
