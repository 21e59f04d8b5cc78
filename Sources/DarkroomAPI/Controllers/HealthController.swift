import DarkroomStorage
import Hummingbird

/// `GET /health` (the process is up) and `GET /ready` (it can serve: the database answers, its schema is this build's,
/// uploads can be stored), for load balancers and orchestrators. Both are cheap, need no credentials, and tell an
/// outsider only which check failed; the details go to the log.
struct HealthController {
    let dependencies: Dependencies

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("/health") { _, _ in
            Envelope.response(status: .ok, body: Self.body { $0.pair("status", "ok") })
        }
        router.get("/ready") { _, _ in await ready() }
    }

    private func ready() async -> Response {
        let storage = dependencies.storage
        var database = "ok"
        var schema = "ok"
        do {
            let version = try await Migrator(database: storage.database).appliedVersion()
            if version != Migrator.latestVersion { schema = "at version \(version); this build expects \(Migrator.latestVersion)" }
        } catch {
            dependencies.logger.error("readiness: the database did not answer", metadata: ["error": "\(error)"])
            database = "unreachable"
            schema = "unknown"
        }
        let mediaStore = await storage.files.isWritable() ? "ok" : "not writable"
        if mediaStore != "ok" {
            dependencies.logger.error("readiness: cannot create files in the media folder", metadata: ["folder": "\(storage.files.root)"])
        }
        let isReady = database == "ok" && schema == "ok" && mediaStore == "ok"
        return Envelope.response(
            status: isReady ? .ok : .serviceUnavailable,
            body: Self.body { body in
                body.pair("status", isReady ? "ready" : "not ready")
                body.key("checks")
                body.object { checks in
                    checks.pair("database", database)
                    checks.pair("schema", schema)
                    checks.pair("media_store", mediaStore)
                }
            }
        )
    }

    private static func body(_ fields: (inout JSONWriter) -> Void) -> ByteBuffer {
        var writer = JSONWriter(capacity: 256)
        writer.object(fields)
        return writer.buffer
    }
}
