import DarkroomStorage
import Hummingbird
import Metrics
import NIOCore

/// `GET /metrics`: the registry in Prometheus's text format, after the figures that are read rather than counted (the
/// job backlog, the writer's queue, photos being ingested) are brought up to date.
struct MetricsController {
    let dependencies: Dependencies
    let monitoring: Monitoring

    /// On the public port only with the operator's bearer token: to anyone else the route is not there (a 404, as an
    /// unknown path), so it tells nobody that metrics exist.
    func addPublicRoute(to router: Router<AppRequestContext>) {
        guard monitoring.publicToken != nil else { return }
        router.get("/metrics") { request, _ in
            guard monitoring.admits(authorization: request.headers[.authorization]) else { throw HTTPError(.notFound) }
            return await scrape()
        }
    }

    /// The metrics listener's whole router: it answers `/metrics` to whoever reaches it (loopback by default).
    func listenerRouter() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/metrics") { _, _ in await scrape() }
        return router
    }

    func scrape() async -> Response {
        await refreshReadFigures()
        return Response(
            status: .ok,
            headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(bytes: monitoring.registry.emitToBuffer()))
        )
    }

    private func refreshReadFigures() async {
        let storage = dependencies.storage
        let engine = [("engine", storage.database.engine.rawValue)]
        do {
            let now = storage.environment.nowSeconds
            var pending: Int64 = 0
            var setAside: Int64 = 0
            for kind in try await storage.jobs.statistics(including: dependencies.jobs.kinds) {
                let dimensions = [("kind", kind.kind)]
                Gauge(label: "darkroom_jobs_waiting", dimensions: dimensions).record(kind.waiting)
                Gauge(label: "darkroom_jobs_overdue_seconds", dimensions: dimensions).record(kind.oldestDueAt.map { max(0, now - $0) } ?? 0)
                Gauge(label: "darkroom_jobs_set_aside", dimensions: dimensions).record(kind.setAside)
                pending += kind.waiting
                setAside += kind.setAside
            }
            Gauge(label: "darkroom_jobs_pending").record(pending)
            Gauge(label: "darkroom_jobs_failed").record(setAside)
            Gauge(label: "darkroom_notifications_backlog").record(try await storage.notifications.backlog())
            Gauge(label: "darkroom_database_up", dimensions: engine).record(1)
        } catch {
            dependencies.logger.error("metrics: the database did not answer", metadata: ["error": "\(error)"])
            Gauge(label: "darkroom_database_up", dimensions: engine).record(0)
        }
        let load = storage.database.load
        if let queued = load.queuedWrites { Gauge(label: "darkroom_db_queued_writes", dimensions: engine).record(queued) }
        if let commits = load.commits { Gauge(label: "darkroom_db_commits", dimensions: engine).record(commits) }
        Gauge(label: "darkroom_ingest_in_progress").record(dependencies.ingest.inProgress)
        Gauge(label: "darkroom_ingest_capacity").record(dependencies.ingest.capacity)
        let pages = dependencies.mediaPages.stored
        Gauge(label: "darkroom_cache_bytes", dimensions: [("cache", "media_pages")]).record(pages.bytes)
    }
}
