import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Metrics
import NIOCore
import NIOPosix
import Synchronization

/// Runs photo decoding and file writes on threads of their own, never on the event loops, a bounded number at a time.
/// When as many photos as `capacity` are already in, another gets 503 with Retry-After instead of a queue that grows
/// without bound; so memory stays bounded by `capacity` photos whatever the load.
final class PhotoIngest: Sendable {
    let pipeline: ImagePipeline
    let files: MediaFiles
    /// Photos processed at once (one per core).
    let workers: Int
    /// Photos in at once, processing or waiting.
    let capacity: Int
    private let inFlight = Atomic<Int>(0)
    /// Decoding, filtering and storing one photo, waiting for a thread included.
    private let durations = Timer(label: "darkroom_ingest_duration_seconds", preferredDisplayUnit: .seconds)
    private let refusals = Counter(label: "darkroom_ingest_refused_total")

    /// One pool for the process: every application built in it (tests build many) shares the same threads.
    private static let pool: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: System.coreCount)
        pool.start()
        return pool
    }()

    init(pipeline: ImagePipeline, files: MediaFiles, capacity: Int? = nil) {
        self.pipeline = pipeline
        self.files = files
        workers = System.coreCount
        self.capacity = capacity ?? 4 * System.coreCount
    }

    /// Whether another photo would be turned away now (counted as refused if so): checked before an upload's body is
    /// read, so a flood of uploads is refused without buffering each.
    func refusesAnother() -> Bool {
        guard inFlight.load(ordering: .relaxed) >= capacity else { return false }
        refusals.increment()
        return true
    }

    /// Photos in now, processing or waiting for a thread (the ingest queue's depth).
    var inProgress: Int { inFlight.load(ordering: .relaxed) }

    /// Decodes, crops and filters a photo and stores its renditions under a new key; with `originals`, stores the
    /// photo as sent there too (a new post). A re-render (`RerenderMediaJob`) passes none: its original is kept.
    func ingest(_ photo: [UInt8], filter: Filter, crop: Crop, keepingOriginalIn originals: OriginalFiles?) async throws -> StoredPhoto {
        let pipeline = pipeline
        let files = files
        return try await run {
            let ingested = try Self.imageErrors { () throws(ImageError) in try pipeline.ingest(photo, filter: filter, crop: crop) }
            let originalKey = try originals?.store(photo, fileExtension: ingested.format.fileExtension)
            let key = try files.store(ingested.files, kind: .media)
            let sizes = pipeline.settings
            return StoredPhoto(
                renditions: Renditions(
                    key: key,
                    standard: sizes.standard,
                    low: sizes.low,
                    thumbnail: sizes.thumbnail,
                    full: ingested.full.map(\.size)
                ),
                originalKey: originalKey,
                camera: ingested.camera
            )
        }
    }

    /// A photo's BlurHash, worked out on the ingest pool like any decode.
    func blurHash(of photo: [UInt8]) async throws -> String {
        let pipeline = pipeline
        return try await run { try Self.imageErrors { () throws(ImageError) in try pipeline.blurHash(of: photo) } }
    }

    /// Makes a video's cover renditions from its frame, filtered and cut as a photo of the post would be, and stores
    /// them under one key with the video's own files (moved in from the transcode's folder).
    func storeVideo(_ video: TranscodedVideo, filter: Filter, crop: Crop, settings: VideoSettings) async throws -> Renditions {
        let pipeline = pipeline
        let files = files
        return try await run {
            let cover = try Self.imageErrors { () throws(ImageError) in try pipeline.ingest(video.cover, filter: filter, crop: crop) }
            let key = try files.store(cover.files, moving: video.files.map { ($0, video.folder + "/" + $0) }, kind: .media)
            let sizes = pipeline.settings
            var renditions = Renditions(
                key: key,
                standard: sizes.standard,
                low: sizes.low,
                thumbnail: sizes.thumbnail,
                full: cover.full.map(\.size)
            )
            renditions.video = VideoRenditions(low: settings.low, standard: settings.standard, full: video.full)
            return renditions
        }
    }

    /// The photo under every filter, as small squares for the posting page.
    func previews(of photo: [UInt8], size: Int) async throws -> [(filter: Filter, jpeg: [UInt8])] {
        let pipeline = pipeline
        return try await run {
            try Self.imageErrors { () throws(ImageError) in try pipeline.previews(of: photo, filters: Filter.all, size: size) }
        }
    }

    /// The photo cut and filtered as posting it with `crop` would, at `size` on its long edge (or `whole`, uncut):
    /// the posting page's crop preview.
    func cropPreview(of photo: [UInt8], filter: Filter, crop: Crop, size: Int, whole: Bool) async throws -> [UInt8] {
        let pipeline = pipeline
        return try await run {
            try Self.imageErrors { () throws(ImageError) in
                try pipeline.cropPreview(of: photo, filter: filter, crop: crop, size: size, whole: whole)
            }
        }
    }

    /// Makes a user's new profile picture and puts it in place of the old one, whose files go once the row has moved.
    func replaceProfilePicture(of user: UserID, with photo: [UInt8], in storage: Storage) async throws {
        let key = try await profilePicture(from: photo)
        do {
            if let previous = try await storage.users.setProfilePicture(key, of: user) { await files.remove(previous) }
        } catch {
            await files.remove(key)
            throw error
        }
    }

    /// Makes and stores a profile picture; answers its key.
    private func profilePicture(from photo: [UInt8]) async throws -> String {
        let pipeline = pipeline
        let files = files
        return try await run {
            let picture = try Self.imageErrors { () throws(ImageError) in try pipeline.profilePicture(from: photo) }
            return try files.store([("profile.jpg", picture)], kind: .profilePicture)
        }
    }

    private func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        guard inFlight.add(1, ordering: .relaxed).newValue <= capacity else {
            inFlight.subtract(1, ordering: .relaxed)
            refusals.increment()
            throw APIError.busy
        }
        let start = ContinuousClock.now
        defer {
            inFlight.subtract(1, ordering: .relaxed)
            durations.record(duration: ContinuousClock.now - start)
        }
        return try await Self.pool.runIfActive(work)
    }

    /// A photo's faults are the client's (400 naming `photo`); libvips failing to start is the server's.
    private static func imageErrors<T>(_ work: () throws(ImageError) -> T) throws -> T {
        do {
            return try work()
        } catch .unavailable(let reason) {
            throw ImageUnavailable(reason: reason)
        } catch {
            throw APIError.invalidParameter("photo", error.message)
        }
    }

    struct ImageUnavailable: Error {
        var reason: String
    }
}
