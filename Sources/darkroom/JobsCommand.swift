import ArgumentParser
import DarkroomCommands
import DarkroomStorage
import Foundation

/// The background queue for an operator: what waits and what was set aside, and putting set-aside jobs back or
/// dropping them once their cause is understood.
struct JobsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jobs",
        abstract: "Look at the background job queue; retry or drop jobs set aside after failing.",
        subcommands: [List.self, Retry.self, Drop.self]
    )

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the jobs waiting and running, or (with --set-aside) those set aside, oldest first."
        )
        @OptionGroup var storage: StorageOptions
        @Flag(help: "The jobs set aside after failing, with why.") var setAside = false
        @Option(help: "At most this many.") var limit = 100

        func run() async throws {
            let (jobs, statistics) = try await withStorage(storage) { storage in
                (try await storage.jobs.list(setAside: setAside, limit: max(1, min(limit, 10_000))), try await storage.jobs.statistics())
            }
            try printJSON([
                "kinds": statistics.map { kind -> [String: Any] in
                    ["kind": kind.kind, "waiting": kind.waiting, "oldest_due_time": kind.oldestDueAt ?? NSNull(), "set_aside": kind.setAside]
                },
                "jobs": jobs.map { job -> [String: Any] in
                    [
                        "id": String(job.id), "kind": job.kind, "key": job.key ?? NSNull(), "payload": job.payload, "attempts": job.attempts,
                        "run_time": job.runAt, "created_time": job.createdAt, "leased_until": job.leasedUntil,
                        "set_aside_time": job.setAsideAt ?? NSNull(), "last_error": job.lastError ?? NSNull(),
                    ]
                },
            ])
        }
    }

    /// One job by id, or every one with `--all`.
    struct Which: ParsableArguments {
        @Argument(help: "The job's id.") var id: Int64?
        @Flag(help: "Every job set aside.") var all = false

        func validate() throws {
            guard (id != nil) != all else { throw ValidationError("name a job id, or --all") }
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Put jobs set aside back in the queue, due now with their attempts reset.")
        @OptionGroup var storage: StorageOptions
        @OptionGroup var which: Which

        func run() async throws {
            let count = try await withStorage(storage) { try await $0.jobs.retrySetAside(which.all ? nil : which.id) }
            if !which.all && count == 0 { throw ValidationError("no job set aside has id \(which.id ?? 0)") }
            try printJSON(["retried": count])
        }
    }

    struct Drop: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete jobs set aside, for good.")
        @OptionGroup var storage: StorageOptions
        @OptionGroup var which: Which

        func run() async throws {
            let count = try await withStorage(storage) { try await $0.jobs.dropSetAside(which.all ? nil : which.id) }
            if !which.all && count == 0 { throw ValidationError("no job set aside has id \(which.id ?? 0)") }
            try printJSON(["dropped": count])
        }
    }
}
