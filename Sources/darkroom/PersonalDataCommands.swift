import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

extension UserCommand {
    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract:
                """
                Delete an account and everything of it (photos, comments, likes, follows, tokens, clients, files); counts are corrected. Asks for \
                --yes.
                """
        )
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Flag(help: "Confirm: the account cannot be brought back (but from a backup).") var yes = false

        func run() async throws {
            guard yes else { throw ValidationError("deleting @\(username) cannot be undone; add --yes to confirm") }
            let summary = try await withStorage(storage) { storage in
                let found = try await account(named: username, in: storage)
                guard let summary = try await storage.accountDeletion.delete(found.user.id, actor: commandLineActor) else {
                    throw ValidationError("no user named \(username)")
                }
                return (found.user.id, summary)
            }
            try printJSON([
                "username": username, "id": summary.0.description, "deleted": true,
                "removed": [
                    "media": summary.1.media, "likes": summary.1.likes, "comments": summary.1.comments, "follows": summary.1.follows,
                    "clients": summary.1.clients, "file_sets": summary.1.files,
                ],
            ])
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an account's data (profile, photos, captions, comments, likes, follows, apps) as a zip, as the settings page offers it."
        )
        @OptionGroup var storage: StorageOptions
        @Option var username: String
        @Option(help: "The zip file to write (it must not exist).") var to: String

        func run() async throws {
            guard !FileManager.default.fileExists(atPath: to) else { throw ValidationError("\(to) exists already; name a new file") }
            let size = try await withStorage(storage) { storage in
                try await storage.writeDataArchive(of: try await account(named: username, in: storage).user.id, to: to)
            }
            try printJSON(["username": username, "file": to, "bytes": size])
        }
    }
}

extension ModerationCommand {
    struct Reports: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The reports people sent: open ones, oldest first (the queue), or with --all every one, newest first."
        )
        @OptionGroup var storage: StorageOptions
        @Flag(help: "Settled reports too.") var all = false
        @Option(help: "At most this many (1 to 10000).") var limit = 100

        func run() async throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
            let reports = try await withStorage(storage) { try await $0.reports.list(open: !all, limit: limit) }
            try printJSON([
                "reports": reports.map { report -> [String: Any] in
                    [
                        "id": report.id.description, "kind": report.target.rawValue, "reporter": report.reporter,
                        "user_id": report.targetUser.description, "username": report.targetUsername,
                        "media_id": report.targetMedia?.description ?? NSNull(), "comment_id": report.targetComment?.description ?? NSNull(),
                        "comment_text": report.commentText ?? NSNull(), "reason": report.reason, "details": report.details,
                        "created_time": report.createdAt, "resolved_time": report.resolvedAt ?? NSNull(),
                        "resolved_by": report.resolvedBy ?? NSNull(), "resolution": report.resolution ?? NSNull(),
                    ]
                }
            ])
        }
    }

    struct Settle: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Settle a report: dismiss it, remove what it reports, or suspend the account; closes every open report of the same thing."
        )
        @OptionGroup var storage: StorageOptions
        @Option(help: "The report's id.") var report: Int64
        @Option(help: "dismiss, remove or suspend.") var decision: String
        @Option(help: "Why, for the moderation log.") var reason: String

        func run() async throws {
            guard let decision = ModerationStore.Decision(rawValue: decision) else {
                throw ValidationError("--decision must be one of: \(ModerationStore.Decision.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try requireReason(reason)
            let settled = try await withStorage(storage) { storage in
                do {
                    return try await storage.moderation.settle(
                        report: report,
                        decision,
                        reason: reason,
                        actor: commandLineActor,
                        files: storage.files
                    )
                } catch let error as APIError {
                    throw ValidationError(error.message)
                }
            }
            guard settled else { throw ValidationError("no open report with id \(report)") }
            try printJSON(["report_id": String(report), "decision": decision.rawValue, "reason": reason])
        }
    }
}
