import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation

/// Runs `RerenderMediaJob`: each photo with an original is decoded again and its renditions made with today's sizes
/// and filters, through the same ingest as a new post (so at most as many at once as ingest allows); the new files go
/// in under a new key, the row is moved to them, and the old files are removed once it has. Public for the
/// `darkroom media rerender` command, which runs the job itself when no server does.
public struct RerenderMedia: Sendable {
    let storage: Storage
    let ingest: PhotoIngest
    /// Posts per batch: the cursor is saved after each.
    static let batch = 8

    public init(storage: Storage, images: ImageSettings) throws {
        self.storage = storage
        ingest = PhotoIngest(pipeline: try ImagePipeline(settings: images), files: storage.files)
    }

    init(storage: Storage, ingest: PhotoIngest) {
        self.storage = storage
        self.ingest = ingest
    }

    /// Registers the job's handler; `progress` hears the job's state after each batch.
    public func register(in registry: inout JobRegistry, progress: (@Sendable (RerenderMediaJob) -> Void)? = nil) {
        registry.register(RerenderMediaJob.self, concurrency: 1) { job, context in
            try await run(job, context: context, progress: progress)
        }
    }

    /// Starts a re-render of every post (or, when one is under way, leaves it to go on).
    public func start() async throws {
        try await storage.jobs.enqueue(RerenderMediaJob(total: try await storage.media.count()))
    }

    func run(_ job: RerenderMediaJob, context: JobContext, progress: (@Sendable (RerenderMediaJob) -> Void)?) async throws {
        var job = job
        let photos = try await storage.media.photosToRerender(after: job.after, limit: Self.batch)
        guard let last = photos.last?.media else {
            try await storage.database.transaction { tx in try await context.finish(in: tx) }
            progress?(job)
            return
        }
        for photo in photos {
            guard let key = photo.originalKey, let path = storage.originals.path(key),
                let original = FileManager.default.contents(atPath: path), let filter = Filter.named(photo.filter)
            else {
                job.withoutOriginal += 1
                continue
            }
            let made = try await ingest.ingest(Array(original), filter: filter, crop: photo.crop, keepingOriginalIn: nil)
            if try await storage.mediaWriter.replaceRenditions(of: photo, with: made.renditions, camera: made.camera) {
                await storage.files.remove(photo.imageKey)
            } else {
                await storage.files.remove(made.renditions.key)
            }
        }
        job.after = last.rawValue
        job.done += Int64(Set(photos.map(\.media)).count)
        let saved = job
        try await storage.database.transaction { tx in try await context.save(saved, in: tx) }
        context.runAgain(at: storage.environment.nowSeconds)
        progress?(job)
    }
}
