import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Logging
import NIOPosix

/// Runs `ImportArchiveJob`: reads the archive's list of posts (`InstagramArchive`), then makes each post not imported
/// before — its photos through the same ingest as an upload, each original kept — a few at a time, committing each
/// with its archive key (`ImportedPosts`), so a run stopped anywhere resumes without posting anything twice. A fault of
/// the archive as a whole ends the import with the reason; a fault of one post is recorded with it, and the rest go on.
public struct ArchiveImporting: Sendable {
    let storage: Storage
    let ingest: PhotoIngest
    /// The limits a video of an archive is held to, as an uploaded one is.
    let videos: VideoSettings
    let logger: Logger

    public init(storage: Storage, images: ImageSettings, videos: VideoSettings = VideoSettings(), logger: Logger) throws {
        self.init(
            storage: storage,
            ingest: PhotoIngest(pipeline: try ImagePipeline(settings: images), files: storage.files),
            videos: videos,
            logger: logger
        )
    }

    init(storage: Storage, ingest: PhotoIngest, videos: VideoSettings = VideoSettings(), logger: Logger) {
        self.storage = storage
        self.ingest = ingest
        self.videos = videos
        self.logger = logger
    }

    /// Registers the job; `progress` hears the import's state as posts are done. With `transcodingVideos`, the
    /// transcodes of the archive's videos too (for `darkroom user import-instagram`; a server registers its own).
    public func register(
        in registry: inout JobRegistry,
        transcodingVideos: Bool = false,
        progress: (@Sendable (ArchiveImports.Import) -> Void)? = nil
    ) {
        registry.register(ImportArchiveJob.self, concurrency: 1) { job, _ in try await run(job.import, progress: progress) }
        if transcodingVideos {
            VideoTranscoding(storage: storage, ingest: ingest, settings: videos, logger: logger).register(in: &registry)
        }
    }

    /// This process, as an import's runner.
    public static let runner = "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"

    /// Whether a runner (`host:pid`) was a process of this machine that no longer exists (killed, crashed): then its
    /// import need not wait for its job's lease to run out.
    public static func isGone(_ runner: String) -> Bool {
        let parts = runner.split(separator: ":")
        guard parts.count == 2, parts[0] == ProcessInfo.processInfo.hostName, let pid = Int32(parts[1]) else { return false }
        return kill(pid, 0) == -1 && errno == ESRCH
    }

    /// Makes the imports whose runner on this machine is gone due at once (a server or command started again after
    /// `kill -9` goes on with them now, not a minute later).
    public static func takeOverFromGoneRunners(in storage: Storage, only id: Int64? = nil) async throws {
        for found in try await storage.archiveImports.running() where id == nil || found.id == id {
            guard let runner = found.runner, isGone(runner) else { continue }
            try await storage.jobs.releaseLease(kind: ImportArchiveJob.kind, key: String(found.id))
        }
    }

    func run(_ id: Int64, progress: (@Sendable (ArchiveImports.Import) -> Void)?) async throws {
        let imports = storage.archiveImports
        guard let found = try await imports.find(id), found.isUnderWay else { return }
        let contents: ArchiveContents
        let source: ArchiveImports.Source
        let zip: ZipParts
        do {
            zip = try await ZipParts.open(found.paths)
            (contents, source) = try await AnyArchive.contents(of: zip)
        } catch let fault as ArchiveFault {
            logger.info("archive refused", metadata: ["import": "\(id)", "reason": "\(fault.message)"])
            if let ended = try await imports.finish(id, failure: fault.message) {
                imports.removeArchive(of: ended)
                progress?(ended)
            }
            return
        }
        let already = try await imports.importedKeys(of: found.owner)
        let posts = contents.posts.flatMap(Self.splittingVideos)
        let remaining = posts.filter { !already.contains($0.key) }
        let total = Int64(posts.count + contents.unreadable.count)
        let done = Int64(posts.count - remaining.count)
        guard try await imports.begin(id, source: source, total: total, done: done, runner: Self.runner) else { return }
        if let profile = contents.profile { try await apply(profile, from: zip, to: found.owner) }
        for entry in contents.unreadable where !already.contains(entry.key) {
            try await imports.recordFailure(id, owner: found.owner, key: entry.key, takenAt: entry.takenAt, reason: entry.reason)
        }
        let now = storage.environment.nowSeconds
        do {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, post) in remaining.enumerated() {
                    // A stopping worker cancels: the posts made so far are recorded, the rest wait for the next run.
                    try Task.checkCancellation()
                    if index >= ingest.workers { try await group.next() }
                    // Undone by its owner meanwhile: stop taking posts (one being made is refused at its commit).
                    if index % 16 == 15, try await !imports.isRunning(id) { throw ImportStopped() }
                    group.addTask { try await importPost(post, into: found, from: zip, now: now) }
                    if index % 8 == 7, let progress, let current = try await imports.find(id) { progress(current) }
                }
                try await group.waitForAll()
            }
        } catch is ImportStopped {
            return
        }
        if let ended = try await imports.finish(id) {
            imports.removeArchive(of: ended)
            progress?(ended)
        }
    }

    /// Makes one post of the archive, or records why it cannot be made.
    private func importPost(_ post: ArchivePost, into found: ArchiveImports.Import, from zip: ZipParts, now: Int64) async throws {
        let imported = ImportedPost(importID: found.id, itemKey: post.key, takenAt: min(max(post.takenAt, 0), now))
        var stored: [StoredPhoto] = []
        func failed(_ reason: String) async throws {
            for photo in stored { await storage.files.remove(photo.renditions.key) }
            try await storage.archiveImports.recordFailure(found.id, owner: found.owner, key: post.key, takenAt: imported.takenAt, reason: reason)
        }
        if post.isVideo || post.files.contains(where: Self.isVideoFile) {
            return try await importVideo(post, path: post.files[0], imported: imported, into: found, from: zip, failed: failed)
        }
        guard post.files.count <= Validation.maxCarouselPhotos else {
            return try await failed("it has \(post.files.count) photos; a post holds at most \(Validation.maxCarouselPhotos)")
        }
        for (index, path) in post.files.enumerated() {
            let label = post.files.count == 1 ? "its photo" : "photo \(index + 1)"
            do {
                let bytes = try await zip.load(path)
                let format: ImageFormat
                do {
                    format = try ingest.pipeline.check(bytes)
                } catch {
                    return try await failed("\(label) (\(path)) cannot be read: \(error.message)")
                }
                // The same first photo at the same date, imported before under other names (another download of the
                // account): the same post.
                if index == 0,
                    try await storage.archiveImports.importedBefore(
                        original: OriginalFiles.key(of: bytes, fileExtension: format.fileExtension),
                        takenAt: imported.takenAt,
                        owner: found.owner
                    )
                {
                    return try await storage.archiveImports.recordDuplicate(imported, owner: found.owner)
                }
                stored.append(try await ingestWhenFree(bytes, filter: Self.filter(of: post, index), crop: Self.crop(of: post, index)))
            } catch let fault as ArchiveFault {
                return try await failed(fault.message)
            } catch let error as APIError where error.code == 400 {
                return try await failed("\(label) (\(path)) cannot be read: \(error.forPeople)")
            } catch {
                for photo in stored { await storage.files.remove(photo.renditions.key) }
                throw error
            }
        }
        var new = NewMedia(
            owner: found.owner,
            filter: Self.filter(of: post, 0).name,
            caption: Self.caption(post.caption),
            latitude: post.latitude,
            longitude: post.longitude,
            renditions: stored[0].renditions
        )
        if let name = post.placeName.map({ String($0.prefix(200)) }), !name.isEmpty, let latitude = post.latitude, let longitude = post.longitude {
            new.locationID = try await storage.locations.findOrCreate(
                name: name,
                at: GeoPoint(latitude: latitude, longitude: longitude),
                by: found.owner
            ).id
        }
        new.originalKey = stored[0].originalKey
        new.camera = stored[0].camera
        new.crop = Self.crop(of: post, 0)
        new.altText = Self.altText(of: post, 0)
        new.imported = imported
        new.importedComments = post.comments.compactMap { comment in
            (try? Validation.text(comment.text, field: "text", maxLength: 2200)).map {
                ImportedComment(text: $0, createdAt: min(comment.createdAt, now))
            }
        }
        new.carouselItems = stored.enumerated().dropFirst().map { index, photo in
            NewPhoto(
                filter: Self.filter(of: post, index).name,
                renditions: photo.renditions,
                altText: Self.altText(of: post, index),
                originalKey: photo.originalKey,
                crop: Self.crop(of: post, index),
                camera: photo.camera,
                usersInPhoto: []
            )
        }
        do {
            switch found.visibility {
            case .public: _ = try await storage.mediaWriter.create(new)
            case .held: try await storage.archiveImports.hold(HeldPost(new), imported: imported, owner: found.owner)
            }
        } catch {
            for photo in stored { await storage.files.remove(photo.renditions.key) }
            if error is DuplicateImport { return }
            throw error
        }
    }

    /// A video post: its clip checked against the video limits (its size, then ffprobe's reading of it), kept as its
    /// original, and queued for its transcode (`VideoTranscoding`), which posts — or holds — it at its date.
    private func importVideo(
        _ post: ArchivePost,
        path: String,
        imported: ImportedPost,
        into found: ArchiveImports.Import,
        from zip: ZipParts,
        failed: (String) async throws -> Void
    ) async throws {
        let probe = VideoProbe(settings: videos)
        let bytes: [UInt8]
        let facts: VideoFacts
        do {
            bytes = try await zip.load(path, limit: Int64(videos.maxBytes))
            try probe.check(size: bytes.count, head: bytes.prefix(12))
            let folder = try storage.files.scratchFolder()
            defer { FileManager.default.removeItemIfPresent(folder) }
            try await NIOThreadPool.singleton.runIfActive { try Data(bytes).write(to: URL(fileURLWithPath: folder + "/clip")) }
            facts = try await probe.facts(of: folder + "/clip")
        } catch let fault as ArchiveFault {
            return try await failed(fault.message)
        } catch let error as VideoError {
            if case .unavailable(let reason) = error { throw VideoTranscoding.VideoUnavailable(reason: reason) }
            return try await failed("its video (\(path)) cannot be used: \(error.message)")
        }
        let fileExtension = bytes[8..<12].elementsEqual("qt  ".utf8) ? "mov" : "mp4"
        let originals = storage.originals
        let originalKey = try await NIOThreadPool.singleton.runIfActive { try originals.store(bytes, fileExtension: fileExtension) }
        var location: Int64?
        if let name = post.placeName, !name.isEmpty, let latitude = post.latitude, let longitude = post.longitude {
            location = try await storage.locations.findOrCreate(
                name: String(name.prefix(200)),
                at: GeoPoint(latitude: latitude, longitude: longitude),
                by: found.owner
            ).id?.rawValue
        }
        var video = VideoPost(
            filter: Self.filter(of: post, 0).name,
            caption: Self.caption(post.caption),
            locationID: location,
            latitude: post.latitude,
            longitude: post.longitude,
            people: [],
            altText: Self.altText(of: post, 0),
            crop: Self.crop(of: post, 0),
            coverSeconds: min(facts.seconds / 2, 1)
        )
        video.imported = imported
        video.importedComments = post.comments
        do {
            _ = try await storage.videoUploads.create(owner: found.owner, originalKey: originalKey, post: video, idempotencyKey: nil)
        } catch is DuplicateImport {
            return
        }
    }

    /// A photo through the ingest; when people's uploads fill it, the import waits its turn rather than failing.
    private func ingestWhenFree(_ bytes: [UInt8], filter: Filter = .normal, crop: Crop = Crop(shape: .original)) async throws -> StoredPhoto {
        while true {
            do {
                return try await ingest.ingest(bytes, filter: filter, crop: crop, keepingOriginalIn: storage.originals)
            } catch let error as APIError where error.code == 503 {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    /// A post as Darkroom can hold it: Instagram's carousels may mix photos and videos, Darkroom's hold photos, so a
    /// mixed one becomes its photos' post and one post per video, at the same date, with the same caption and place
    /// (the owner's comments go with the first). Nothing of the archive is left out.
    static func splittingVideos(_ post: ArchivePost) -> [ArchivePost] {
        let videos = post.files.indices.filter { isVideoFile(post.files[$0]) }
        guard post.files.count > 1, !videos.isEmpty else { return [post] }
        func part(_ indices: [Int], key: String) -> ArchivePost {
            var part = post
            part.key = key
            part.files = indices.map { post.files[$0] }
            part.details = post.details.map { details in indices.compactMap { $0 < details.count ? details[$0] : nil } }
            part.isVideo = indices.count == 1 && isVideoFile(post.files[indices[0]])
            return part
        }
        let photos = post.files.indices.filter { !videos.contains($0) }
        var parts = photos.isEmpty ? [] : [part(photos, key: post.key)]
        parts += videos.enumerated().map { number, index in part([index], key: post.key + ":video\(number + 1)") }
        for index in parts.indices.dropFirst() { parts[index].comments = [] }
        return parts
    }

    static func isVideoFile(_ path: String) -> Bool {
        let lowered = path.lowercased()
        return lowered.hasSuffix(".mp4") || lowered.hasSuffix(".mov")
    }

    /// A photo's filter as its archive kept it (a Darkroom archive), else none: Instagram's downloads hold the photos
    /// as they were posted, filters applied.
    static func filter(of post: ArchivePost, _ index: Int) -> Filter {
        post.details.flatMap { index < $0.count ? Filter.named($0[index].filter) : nil } ?? .normal
    }

    /// A photo's crop as its archive kept it, else its own shape around its centre.
    static func crop(of post: ArchivePost, _ index: Int) -> Crop {
        guard let details = post.details, index < details.count else { return Crop(shape: .original) }
        let kept = details[index]
        return Crop(shape: Crop.Shape(rawValue: kept.crop) ?? .original, focusX: kept.focusX, focusY: kept.focusY)
    }

    static func altText(of post: ArchivePost, _ index: Int) -> String? {
        guard let details = post.details, index < details.count else { return nil }
        return (try? Validation.altText(details[index].altText)) ?? nil
    }

    /// A caption as Darkroom keeps it: within the length every caption has (Instagram allows as many characters),
    /// without NUL characters.
    static func caption(_ text: String?) -> String? {
        guard let text else { return nil }
        let clean = String(text.unicodeScalars.filter { $0.value != 0 }.map(Character.init).prefix(Validation.captionLength))
        return (try? Validation.caption(clean)) ?? nil
    }

    /// The archive's name, bio, website and picture, each where the account has none yet: nothing set here is replaced.
    private func apply(_ profile: ArchiveProfile, from zip: ZipParts, to owner: UserID) async throws {
        guard let user = try await storage.users.find(owner) else { return }
        let fullName = user.summary.fullName.isEmpty ? String((profile.fullName ?? "").prefix(60)) : user.summary.fullName
        let bio = user.bio.isEmpty ? String((profile.bio ?? "").prefix(150)) : user.bio
        let website = user.website.isEmpty ? ((try? Validation.website(profile.website ?? "")) ?? "") : user.website
        if (fullName, bio, website) != (user.summary.fullName, user.bio, user.website) {
            try await storage.users.update(
                owner,
                profile: .init(fullName: fullName, bio: bio, website: website, isPrivate: user.isPrivate, showsCamera: user.showsCamera)
            )
        }
        if user.summary.profilePicture == nil, let picture = profile.picture, let bytes = try? await zip.load(picture, limit: 64 << 20) {
            do {
                try await ingest.replaceProfilePicture(of: owner, with: bytes, in: storage)
            } catch let error as APIError where error.code == 400 {
                logger.info("archive's profile picture refused", metadata: ["user": "\(owner)", "reason": "\(error.message)"])
            }
        }
    }
}

extension ArchiveImporting {
    /// Posts one photo as an upload would — the same ingest with its original kept, then the post — without HTTP: what
    /// `darkroom bench import` measures an import against.
    public func postAsUploaded(_ photo: [UInt8], caption: String?, by owner: UserID) async throws -> MediaID {
        let stored = try await ingestWhenFree(photo)
        var new = NewMedia(owner: owner, caption: caption, renditions: stored.renditions)
        new.originalKey = stored.originalKey
        new.camera = stored.camera
        new.crop = Crop(shape: .original)
        return try await storage.mediaWriter.create(new)
    }

    /// Photos this process ingests at once.
    public var workers: Int { ingest.workers }
}
