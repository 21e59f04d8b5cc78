import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The composition root: wires storage, links, middleware and controllers into a Hummingbird application.
/// The `serve` command and the tests both call it.
public func buildApplication(
    configuration: AppConfiguration,
    storage: Storage,
    logger: Logger,
    additionalRoutes: [AdditionalRoute] = [],
    onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
) throws -> some ApplicationProtocol {
    let dependencies = try makeDependencies(configuration: configuration, storage: storage, logger: logger)
    let rateLimiter = dependencies.rateLimiter
    if configuration.runsJobs { logger.notice("\(dependencies.mail.summary)") }
    let localAPI = LocalAPI()
    let router = buildRouter(dependencies, configuration: configuration, localAPI: localAPI)
    for route in additionalRoutes {
        router.on(RouterPath(route.path), method: route.method) { request, _ in
            var query: [String: String] = [:]
            for parameter in request.uri.queryParameters { query[String(parameter.key)] = String(parameter.value) }
            return Envelope.response(status: .ok, body: try await route.respond(query))
        }
    }
    let background = BackgroundWork(
        worker: JobWorker(storage: storage, registry: dependencies.jobs, logger: logger),
        storage: storage,
        logger: logger
    )
    var metricsListener: [any Service] = []
    if let monitoring = configuration.monitoring, let listener = monitoring.listener {
        metricsListener.append(
            Application(
                router: MetricsController(dependencies: dependencies, monitoring: monitoring).listenerRouter(),
                configuration: .init(address: .hostname(listener.host, port: listener.port), serverName: "Darkroom"),
                logger: logger
            )
        )
    }
    let responder = PathNormalizingResponder(next: router.buildResponder())
    localAPI.attach(responder)
    return Application(
        responder: responder,
        // A connection that sends nothing for a minute (a stalled upload, an abandoned keep-alive) is closed.
        server: .http1(configuration: .init(additionalChannelHandlers: [ExpectContinueHandler()], idleTimeout: .seconds(60))),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Darkroom"),
        services: (configuration.runsJobs ? [background] : [])
            + [RateLimitFlusher(limiter: rateLimiter, logger: logger)] + metricsListener,
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? configuration.port) },
        logger: logger
    )
}

func buildRouter(_ dependencies: Dependencies, configuration: AppConfiguration, localAPI: LocalAPI = LocalAPI()) -> Router<AppRequestContext> {
    let router = Router(context: AppRequestContext.self)
    if configuration.monitoring != nil {
        // Requests by route pattern (never the path itself, which holds ids), method and status, and their durations.
        router.middlewares.add(RequestMetricsMiddleware())
    }
    router.middlewares.add(RequestLogMiddleware(trustsRequestID: configuration.trustsRequestID))
    router.middlewares.add(JSONPMiddleware())
    router.middlewares.add(APIErrorMiddleware())
    let web = Web(
        dependencies: dependencies,
        secureCookies: configuration.publicURL.lowercased().hasPrefix("https://"),
        csrfPlaceholder: "csrf" + dependencies.storage.environment.randomHex(bytes: 30)
    )

    // Stored files, only under /media so API calls never pay for the file lookup. They never change under a key, so
    // clients and proxies may keep them for good; anything not found falls through to a 404.
    router.group("/media")
        .add(middleware: StoredFileHeadersMiddleware())
        .add(middleware: PrivateFilesMiddleware(storage: dependencies.storage, signing: dependencies.links.signing))
        .add(
            middleware: FileMiddleware(
                dependencies.storage.files.root,
                urlBasePath: "/media",
                cacheControl: CacheControl([(MediaType(type: .any), [.public, .maxAge(31_536_000)])]),
                searchForIndexHtml: false,
                logger: dependencies.logger
            )
        )
        .get("**") { _, _ -> Response in throw HTTPError(.notFound) }

    let api = APIRoutes(router: router, dependencies: dependencies)
    UsersController(dependencies: dependencies).addRoutes(to: api)
    RelationshipsController(dependencies: dependencies).addRoutes(to: api)
    ActivityAPIController(dependencies: dependencies).addRoutes(to: api)
    MediaEngagementController(dependencies: dependencies).addRoutes(to: api)
    MediaController(dependencies: dependencies).addRoutes(to: api)
    MediaUploadController(dependencies: dependencies).addRoutes(to: api)
    TagsController(dependencies: dependencies).addRoutes(to: api)
    LocationsController(dependencies: dependencies).addRoutes(to: api)
    SubscriptionsController(dependencies: dependencies).addRoutes(to: api)
    StreamController(dependencies: dependencies, open: OpenStreams(limits: dependencies.streamLimits)).addRoutes(to: api)

    HealthController(dependencies: dependencies).addRoutes(to: router)
    APIDescriptionController().addRoutes(to: router)
    if let monitoring = configuration.monitoring {
        MetricsController(dependencies: dependencies, monitoring: monitoring).addPublicRoute(to: router)
    }

    let anonymousPicture = ByteBuffer(bytes: (try? AnonymousPicture.jpeg(size: configuration.images.profilePicture)) ?? [])
    router.get("/static/anonymousUser.jpg") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "image/jpeg", .cacheControl: "public, max-age=86400", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: anonymousPicture)
        )
    }

    let stylesheet = ByteBuffer(bytes: dependencies.templates.stylesheet)
    router.get("/static/darkroom.css") { _, _ in
        Response(
            status: .ok,
            headers: [.contentType: "text/css; charset=utf-8", .cacheControl: "public, max-age=3600", .xContentTypeOptions: "nosniff"],
            body: .init(byteBuffer: stylesheet)
        )
    }

    let pages = WebRoutes(router: router, web: web)
    AccountsController(web: web).addRoutes(to: pages)
    SignupController(web: web).addRoutes(to: pages)
    EmailController(web: web).addRoutes(to: pages)
    PasswordController(web: web).addRoutes(to: pages)
    SecurityController(web: web).addRoutes(to: pages)
    TwoFactorController(web: web).addRoutes(to: pages)
    PasskeyController(web: web).addRoutes(to: pages, router: router)
    SignupAdminController(web: web).addRoutes(to: pages)
    DeveloperController(web: web).addRoutes(to: pages)
    OAuthController(web: web).addRoutes(to: pages, router: router)
    PhotoPagesController(web: web).addRoutes(to: pages)
    ModerationController(web: web).addRoutes(to: pages)
    FederationAdminController(web: web).addRoutes(to: pages)
    PersonalDataController(web: web).addRoutes(to: pages)
    ArchiveImportController(web: web).addRoutes(to: pages)
    PostingController(web: web).addRoutes(to: pages)
    PlacePicker(web: web).addRoutes(to: pages, router: router)
    ActivityController(web: web).addRoutes(to: pages)
    EmbedController(web: web).addRoutes(to: pages, router: router)
    HooksController(web: web).addRoutes(to: pages)
    ConsoleController(web: web, localAPI: localAPI).addRoutes(to: pages, router: router)
    FollowListsController(web: web).addRoutes(to: pages)
    ExploreController(web: web).addRoutes(to: pages)
    TaggedPhotosController(web: web).addRoutes(to: pages)
    if let federation = dependencies.federation {
        let controller = FederationController(dependencies: dependencies, parts: federation)
        controller.addRoutes(to: router)
        // Only around the routes added after it: a profile's URL is also its actor's id.
        router.middlewares.add(ActivityPubNegotiation(controller: controller))
    }
    // Last: `/{username}` takes any single segment no other route has.
    PeoplePagesController(web: web).addRoutes(to: pages)
    // Added after every route: Hummingbird puts a middleware only around routes added after it, and around the
    // router's "no route" answer, which is all this one changes; the API's routes do not pay for it.
    router.middlewares.add(PageNotFoundMiddleware(web: web))
    return router
}

/// Everything the handlers share, from the configuration.
func makeDependencies(configuration: AppConfiguration, storage: Storage, logger: Logger) throws -> Dependencies {
    let ingest = PhotoIngest(
        pipeline: try ImagePipeline(settings: configuration.images),
        files: storage.files,
        capacity: configuration.ingestCapacity
    )
    let rateLimiter = RateLimiter(
        perToken: configuration.rateLimitPerToken,
        perClient: configuration.rateLimitPerClient,
        flushInterval: configuration.rateLimitSync,
        store: storage.rateLimits,
        environment: storage.environment
    )
    let links = Links(
        publicURL: configuration.publicURL,
        mediaBaseURL: configuration.mediaURL,
        signing: URLSigning(key: storage.mediaURLKey, now: { storage.environment.nowSeconds })
    )
    return Dependencies(
        storage: storage,
        links: links,
        logger: logger,
        ingest: ingest,
        videos: configuration.videos,
        rateLimiter: rateLimiter,
        loginThrottle: LoginThrottle(store: storage.rateLimits, environment: storage.environment),
        deviceCookies: DeviceCookies(serverSecret: storage.mediaURLKey, environment: storage.environment),
        uploadLimit: configuration.uploadLimit,
        archiveLimit: configuration.archiveLimit,
        bodyBudget: BodyBudget(capacity: configuration.bodyBudget),
        mediaPages: MediaPageCache(capacityBytes: configuration.pageCacheBytes),
        writeLimits: configuration.writeLimits,
        callbacks: CallbackClient(
            addresses: CallbackAddresses(allowed: configuration.callbackNetworks.compactMap(CallbackAddresses.Network.init)),
            timeout: TimeAmount(configuration.callbackTimeout)
        ),
        subscriptionLimit: configuration.subscriptionLimit,
        streamLimits: configuration.streamLimits,
        appsPerPerson: configuration.appsPerPerson,
        mail: try MailDelivery(
            settings: configuration.mail,
            publicURL: configuration.publicURL,
            dataDirectory: storage.files.dataDirectory,
            environment: storage.environment,
            logger: logger
        ),
        signupDefaults: configuration.signups,
        federation: FederationSettings(
            enabled: configuration.federationEnabled ?? configuration.publicURL.lowercased().hasPrefix("https://"),
            networks: configuration.federationNetworks,
            hidesCounts: configuration.federationHidesCounts,
            inboxLimit: configuration.federationInboxLimit
        ).parts(storage: storage, links: links, ingest: ingest, logger: logger, timeout: configuration.callbackTimeout)
    )
}
