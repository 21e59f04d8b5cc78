import ArgumentParser
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation

struct ModerationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "moderation",
        abstract: "Remove a media or comment with a reason; the reports people sent; the moderation log.",
        subcommands: [RemoveMedia.self, RemoveComment.self, Reports.self, Settle.self, Log.self]
    )

    struct RemoveMedia: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove-media",
            abstract: "Remove a media with its likes, comments and files, recording why."
        )
        @OptionGroup var storage: StorageOptions
        @Option(help: "The media's id.") var id: Int64
        @Option(help: "Why, for the moderation log.") var reason: String

        func run() async throws {
            try requireReason(reason)
            let removed = try await withStorage(storage) { storage in
                try await storage.deleteMedia.byOperator(MediaID(id), reason: reason, actor: commandLineActor)
            }
            guard removed else { throw ValidationError("no media with id \(id)") }
            try printJSON(["media_id": String(id), "removed": true, "reason": reason])
        }
    }

    struct RemoveComment: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "remove-comment", abstract: "Remove a comment (or a caption), recording why.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "The media it is on.") var mediaId: Int64
        @Option(help: "The comment's id.") var id: Int64
        @Option(help: "Why, for the moderation log.") var reason: String

        func run() async throws {
            try requireReason(reason)
            let removed = try await withStorage(storage) { storage in
                try await storage.removeComment(CommentID(id), on: MediaID(mediaId), reason: reason, actor: commandLineActor)
            }
            guard removed else { throw ValidationError("no comment \(id) on media \(mediaId)") }
            try printJSON(["media_id": String(mediaId), "comment_id": String(id), "removed": true, "reason": reason])
        }
    }

    struct Log: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Every moderation action, newest first: who, what, to whom, why, when.")
        @OptionGroup var storage: StorageOptions
        @Option(help: "Only actions on this account.") var username: String?
        @Option(help: "At most this many (1 to 10000).") var limit = 100

        func run() async throws {
            guard (1...10_000).contains(limit) else { throw ValidationError("--limit must be between 1 and 10000") }
            let entries = try await withStorage(storage) { storage in
                var user: UserID?
                if let username { user = try await account(named: username, in: storage).user.id }
                return try await storage.moderation.log(user: user, limit: limit)
            }
            try printJSON([
                "actions": entries.map { entry -> [String: Any] in
                    [
                        "id": entry.id.description, "actor": entry.actor, "action": entry.action,
                        "user_id": entry.targetUser?.description ?? NSNull(),
                        "username": entry.targetUsername ?? NSNull(), "media_id": entry.targetMedia?.description ?? NSNull(),
                        "comment_id": entry.targetComment?.description ?? NSNull(), "reason": entry.reason, "created_time": entry.createdAt,
                    ]
                }
            ])
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
            guard let decision = SettleReport.Decision(rawValue: decision) else {
                throw ValidationError("--decision must be one of: \(SettleReport.Decision.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            try requireReason(reason)
            let settled = try await withStorage(storage) { storage in
                do {
                    return try await storage.settleReport(
                        report,
                        decision,
                        reason: reason,
                        actor: commandLineActor
                    )
                } catch let error as DomainError {
                    throw ValidationError(error.message)
                }
            }
            guard settled else { throw ValidationError("no open report with id \(report)") }
            try printJSON(["report_id": String(report), "decision": decision.rawValue, "reason": reason])
        }
    }
}
