import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomImaging
import DarkroomStorage
import Foundation
import Logging

extension UserCommand {
    struct ImportInstagram: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import-instagram",
            abstract: "Bring an Instagram download (its zip, or all its parts) into an account, showing progress.",
            discussion: """
                Reads Instagram's "Download your information" archive in JSON or HTML form: every post with its photos in \
                order (several make a carousel), caption, original date, place and hashtags, and the profile's name, bio \
                and picture where the account has none. Runs as a background job that this command works on; stopped \
                (even killed), it goes on from where it was when run again with the same files, and never posts anything \
                twice. Posts that cannot be read are listed with the reason at the end. Another Darkroom server's data \
                download is taken too: the account moves with its filters, crops, places and comments.
                """
        )
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Flag(help: "Hold the posts for the person to review on the settings page, instead of posting them at once.") var held = false
        @Flag(help: "Start it and return; the server's workers do the work.") var noWait = false
        @Flag(help: "No progress bar.") var quiet = false
        @Argument(help: "The archive's zip file, or its parts in any order.") var files: [String]

        func run() async throws {
            let paths = files.map { URL(fileURLWithPath: $0).standardizedFileURL.path }
            for path in paths where !FileManager.default.isReadableFile(atPath: path) { throw ValidationError("cannot read \(path)") }
            let summary = try await withStorage(storage) { storage in
                let owner = try await account(named: username, in: storage).user.id
                let id = try await startOrResume(for: owner, paths: paths, in: storage)
                if noWait { return ["import": "\(id)", "state": "queued"] }
                let bar = quiet ? nil : ProgressBar()
                var registry = JobRegistry()
                let importing = try ArchiveImporting(storage: storage, images: ImageSettings(), logger: Logger(label: "darkroom.import"))
                importing.register(in: &registry, transcodingVideos: true) { state in
                    bar?.update(phase: "importing", done: Int(state.done + state.failed), total: Int(state.total))
                }
                let worker = JobWorker(storage: storage, registry: registry, logger: Logger(label: "darkroom.import"))
                // A server may hold the job: its progress is then read until it ends (its videos transcoded too).
                while let current = try await storage.archiveImports.find(id) {
                    let videos = try await storage.archiveImports.processingVideos(of: id)
                    guard current.isUnderWay || videos > 0 else { break }
                    if try await worker.drain() == 0 {
                        bar?.update(phase: "importing", done: Int(current.done + current.failed), total: Int(current.total))
                        try await Task.sleep(for: .seconds(1))
                    }
                }
                bar?.finish()
                guard let ended = try await storage.archiveImports.find(id) else { throw ValidationError("the import vanished") }
                for failure in try await storage.archiveImports.failures(of: id, limit: 10_000) {
                    FileHandle.standardError.write(Data("not imported: \(failure.reason)\n".utf8))
                }
                return [
                    "import": "\(id)", "state": ended.state.rawValue, "posts": "\(ended.total)", "imported": "\(ended.done)",
                    "failed": "\(ended.failed)", "failure": ended.failure ?? "",
                ]
            }
            try printJSON(summary)
            if summary["state"] == "failed" { throw ExitCode.failure }
        }

        /// The account's import of these files that is under way (taken over from a process of this machine that died
        /// running it), or a new one.
        private func startOrResume(for owner: UserID, paths: [String], in storage: Storage) async throws -> Int64 {
            let imports = storage.archiveImports
            if let current = try await imports.list(of: owner, limit: 1).first, current.isUnderWay {
                guard current.paths == paths else {
                    throw ValidationError("another import into @\(username) is under way (\(current.paths.joined(separator: ", ")))")
                }
                try await ArchiveImporting.takeOverFromGoneRunners(in: storage, only: current.id)
                if !quiet { FileHandle.standardError.write(Data("resuming import \(current.id)\n".utf8)) }
                return current.id
            }
            return try await imports.start(for: owner, source: .instagram, paths: paths, ownsFiles: false, visibility: held ? .held : .public)
        }
    }
}
