import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Logging

/// Photos for an operator: making every rendition again from the originals, and a photo's original as it was sent.
struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "Re-render photos from their originals; save a photo's original.",
        subcommands: [Rerender.self, Original.self]
    )

    struct Rerender: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make every photo's renditions again from its original (after changing sizes or filters).",
            discussion: """
                Runs as a background job: this command starts it and works on it, showing its progress; a server on the \
                same database works on it too, and a stopped re-render goes on from where it was when started again. \
                Photos posted before originals were kept have none and are left as they are.
                """
        )
        @OptionGroup var storage: StorageOptions
        @Flag(help: "Start it and return; the server's workers do the work.") var noWait = false
        @Flag(help: "No progress bar.") var quiet = false

        func run() async throws {
            try await withStorage(storage) { storage in
                let bar = quiet ? nil : ProgressBar()
                let rerender = try RerenderMedia(storage: storage, images: ImageSettings())
                try await rerender.start()
                guard !noWait else { return }
                var registry = JobRegistry()
                rerender.register(in: &registry) { job in bar?.update(phase: "re-rendering", done: Int(job.done), total: Int(job.total)) }
                let worker = JobWorker(storage: storage, registry: registry, logger: Logger(label: "darkroom.rerender"))
                // A server may hold the job when this looks: its progress is then read from the queue until it ends.
                while let job = try await Self.waiting(in: storage) {
                    if try await worker.drain() == 0 {
                        bar?.update(phase: "re-rendering", done: Int(job.done), total: Int(job.total))
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                bar?.finish()
                try printJSON(["rerendered": true])
            }
        }

        /// The re-render's state while it is queued or running.
        static func waiting(in storage: Storage) async throws -> RerenderMediaJob? {
            try await storage.jobs.list(setAside: false, limit: 10_000).first { $0.kind == RerenderMediaJob.kind }
                .flatMap { try? JSONDecoder().decode(RerenderMediaJob.self, from: Data($0.payload.utf8)) }
        }
    }

    struct Original: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Save a photo's original, as its owner sent it, to a file.")
        @OptionGroup var storage: StorageOptions
        @Argument(help: "The media's id (or its /p/{shortcode}/ code).") var media: String
        @Option(help: "Which photo of a carousel, from 1.") var photo = 1
        @Option(help: "Where to write it.") var output: String

        func run() async throws {
            guard let id = MediaID(decimal: media.split(separator: "_").first.map(String.init) ?? media) ?? Shortcode.decode(Substring(media))
            else { throw ValidationError("not a media id or shortcode: \(media)") }
            try await withStorage(storage) { storage in
                guard let owner = try await storage.media.owner(of: id) else { throw ValidationError("no media \(media)") }
                guard let key = try await storage.media.original(of: id, position: photo - 1, actor: owner), let path = storage.originals.path(key)
                else { throw ValidationError("media \(media) has no original for photo \(photo): it was posted before originals were kept") }
                try FileManager.default.copyItem(atPath: path, toPath: output)
                try printJSON([
                    "media": String(id.rawValue), "photo": photo, "output": output, "format": String(key.split(separator: ".").last ?? ""),
                ])
            }
        }
    }
}
