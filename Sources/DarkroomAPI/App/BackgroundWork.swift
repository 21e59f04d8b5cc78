import DarkroomImaging
import DarkroomStorage
import Logging
import ServiceLifecycle

extension JobRegistry {
    /// Every job kind a server runs: the storage's own, notification delivery, which needs the HTTP client,
    /// re-renders, video transcodes and archive imports, which need the imaging, mail, and, when it is on, federation.
    static func server(
        storage: Storage,
        callbacks: CallbackClient,
        ingest: PhotoIngest,
        videos: VideoSettings,
        mail: MailDelivery,
        federation: Federation?,
        logger: Logger
    ) -> JobRegistry {
        var registry = JobRegistry.standard
        registry.register(mail)
        let delivery = CallbackDelivery(storage: storage, client: callbacks, logger: logger)
        registry.register(DeliverNotificationsJob.self, concurrency: 16) { job, _ in try await delivery.run(job) }
        RerenderMedia(storage: storage, ingest: ingest).register(in: &registry)
        VideoTranscoding(storage: storage, ingest: ingest, settings: videos, logger: logger).register(in: &registry)
        ArchiveImporting(storage: storage, ingest: ingest, videos: videos, logger: logger).register(in: &registry)
        federation?.register(in: &registry)
        return registry
    }
}

/// Runs the job queue for as long as the server runs (`JobWorker`); jobs live in the database, so whatever a stopped
/// server left is picked up when any server starts again. It also makes sure the upkeep is scheduled.
struct BackgroundWork: Service {
    let worker: JobWorker
    let storage: Storage
    let logger: Logger

    func run() async throws {
        do {
            try await storage.jobs.enqueue(UpkeepJob())
        } catch {
            logger.error("could not schedule the upkeep", metadata: ["error": "\(error)"])
        }
        do {
            try await ArchiveImporting.takeOverFromGoneRunners(in: storage)
        } catch {
            logger.error("could not resume imports", metadata: ["error": "\(error)"])
        }
        await cancelWhenGracefulShutdown { await worker.run() }
    }
}
