import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird
import NIOCore
import Synchronization

/// The write bars: likes, comments, follows and posts under load, each against the feed's rate in the same run.
struct WritesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writes",
        abstract: "Measure likes/unlikes, comments, follows/unfollows and posts with wrk, each as a ratio to the feed's rate.",
        discussion: """
            Writes rotate over the viewers' tokens and over public media (likes, comments) or public accounts (follows). \
            Posts store an already-rendered photo through the same writer as an upload (`POST /bench/post`), so what is \
            measured is the post's writes, not the image pipeline. Counts are checked against the rows at the end.
            """
    )

    enum Load: String, CaseIterable, ExpressibleByArgument {
        case likes, comments, follows, posts
    }

    @OptionGroup var storage: StorageOptions
    @OptionGroup var measuring: LoadOptions
    @Option(help: "Distinct public media liked and commented on, and public accounts followed.") var targets = 2000
    @Option(help: "The write loads to run, comma-separated (likes,comments,follows,posts).") var loads = Load.allCases.map(\.rawValue).joined(
        separator: ","
    )

    func run() async throws {
        let monitoring = bootstrapAsServeDoes()
        let chosen = try loads.split(separator: ",").map { name in
            guard let load = Load(rawValue: String(name)) else { throw ValidationError("unknown load \(name)") }
            return load
        }
        try await storage.withStorage { opened in
            let actors = try await BenchViewers.viewers(
                in: opened,
                count: measuring.viewers,
                follows: 10...1000,
                scopes: [.basic, .likes, .comments, .relationships]
            )
            let actorIDs = Set(actors.map(\.id))
            let media = try await opened.database.query(
                """
                SELECT m.id FROM media m JOIN users u ON u.id = m.user_id WHERE u.is_private = 0 ORDER BY m.id DESC LIMIT \(targets)
                """
            ).decode { try $0.id(MediaID.self) }
            let accounts = try await opened.database.query(
                """
                SELECT id FROM users WHERE is_private = 0 ORDER BY id DESC LIMIT \(targets + actors.count)
                """
            ).decode { try $0.id(UserID.self) }.filter { !actorIDs.contains($0) }.prefix(targets)
            guard let imageKey = try await opened.database.query("SELECT image_key FROM media ORDER BY id LIMIT 1").decodeFirst({ try $0.string() }),
                !media.isEmpty, !accounts.isEmpty
            else { throw ValidationError("no media to benchmark with: run `darkroom seed` first") }

            var configuration = AppConfiguration(port: 0)
            configuration.monitoring = monitoring
            // The hourly call limit would refuse most of a benchmark's calls; its bookkeeping still runs on each one.
            configuration.rateLimitPerToken = 1_000_000_000
            let post = AdditionalRoute(method: .post, path: "/bench/post") { query in
                guard let owner = query["user"].flatMap(Int64.init) else { throw HTTPError(.badRequest) }
                let id = try await opened.mediaWriter.create(
                    NewMedia(
                        owner: UserID(owner),
                        caption: "bench post #darkroombench",
                        renditions: Renditions(key: imageKey, standard: 612, low: 306, thumbnail: 150)
                    )
                )
                return ByteBuffer(string: #"{"data":{"id":"\#(id.rawValue)"}}"#)
            }
            let tokens = actors.map(\.token)
            let feedLoad = try BenchLoad(name: "feed", script: BenchViewers.feedScript(tokens: tokens), path: "/v1/users/self/feed")
            let writeLoads = try chosen.map { load in
                try BenchLoad(
                    name: load.rawValue,
                    script: script(
                        load,
                        tokens: tokens,
                        actorIDs: actors.map(\.id.rawValue),
                        media: media.map(\.rawValue),
                        accounts: accounts.map(\.rawValue)
                    ),
                    path: "/"
                )
            }
            let wrk = measuring.wrk
            let results = ResultsBox()
            try await withBenchServer(configuration: configuration, storage: opened, routes: [post]) { base in
                _ = try await wrk.run(feedLoad.arguments(base), seconds: 3)
                for load in writeLoads {
                    _ = try await wrk.run(load.arguments(base), seconds: 3)
                    try await waitForBackgroundJobs(opened)
                }
                for run in 1...measuring.runs {
                    let feed = try await wrk.run(feedLoad.arguments(base))
                    var line = "run \(run): feed \(Int(feed.requestsPerSecond)) req/s"
                    results.append("feed", feed)
                    for load in writeLoads {
                        let result = try await wrk.run(load.arguments(base))
                        results.append(load.name, result)
                        line += ", \(load.name) \(Int(result.requestsPerSecond)) req/s (p99 \(result.p99) ms, \(result.failures) failed)"
                        // Posts by accounts with many followers leave fan-out jobs; the next load starts once they are done.
                        try await waitForBackgroundJobs(opened)
                    }
                    FileHandle.standardError.write(Data((line + "\n").utf8))
                }
            }
            for load in [feedLoad] + writeLoads { load.remove() }

            let feed = results.all["feed"] ?? []
            var report: [String: Any] = [
                "machine": machineDescription(),
                "database": opened.database.displayName,
                "users": actors.count, "media_and_accounts": targets,
                "wrk": measuring.description,
                "feed": WrkResult.summary(feed),
                "counts_exact": try await countsAreExact(opened, media: media, accounts: Array(accounts) + actors.map(\.id)),
                "bars": "likes ≥ 0.40 of the feed rate with p99 ≤ 20 ms; comments and follows ≥ 0.30; on PostgreSQL likes ≥ 0.25 of SQLite's",
            ]
            for load in chosen {
                let measured = results.all[load.rawValue] ?? []
                var summary = WrkResult.summary(measured)
                summary["ratio_to_feed"] = WrkResult.medianRatio(measured, to: feed)
                summary["ratios_of_each_run"] = WrkResult.ratios(measured, to: feed)
                report[load.rawValue] = summary
            }
            try printJSON(report)
        }
    }

    /// Each load's requests, made in turn from the lists: likes and follows alternate doing and undoing, one user and
    /// target at a time, so the data set stays as it was; comments add up.
    private func script(_ load: Load, tokens: [String], actorIDs: [Int64], media: [Int64], accounts: [Int64]) -> String {
        let request =
            switch load {
            case .likes:
                """
                local path = "/v1/media/" .. media[(pair * 7919 % #media) + 1] .. "/likes"
                if i % 2 == 0 then return wrk.format("POST", path, form, "access_token=" .. token) end
                return wrk.format("DELETE", path .. "?access_token=" .. token)
                """
            case .comments:
                """
                local path = "/v1/media/" .. media[(i * 7919 % #media) + 1] .. "/comments"
                return wrk.format("POST", path, form, "access_token=" .. token .. "&text=bench+comment+" .. i)
                """
            case .follows:
                """
                local path = "/v1/users/" .. accounts[(pair * 7919 % #accounts) + 1] .. "/relationship"
                local action = (i % 2 == 0) and "follow" or "unfollow"
                return wrk.format("POST", path, form, "access_token=" .. token .. "&action=" .. action)
                """
            case .posts:
                """
                return wrk.format("POST", "/bench/post?user=" .. actors[(i % #actors) + 1], form, "")
                """
            }
        return """
            local tokens = {\(luaList(tokens))}
            local actors = {\(luaList(actorIDs))}
            local media = {\(luaList(media))}
            local accounts = {\(luaList(accounts))}
            local form = {["Content-Type"] = "application/x-www-form-urlencoded"}
            local i = -1
            request = function()
              i = i + 1
              local pair = math.floor(i / 2)
              local token = tokens[(pair % #tokens) + 1]
            \(request)
            end
            """
    }

    private func waitForBackgroundJobs(_ storage: Storage) async throws {
        while try await storage.jobs.dueCount() > 0 {
            try await Task.sleep(for: .milliseconds(200))
        }
    }

    /// Whether every count the loads moved matches the rows it counts.
    private func countsAreExact(_ storage: Storage, media: [MediaID], accounts: [UserID]) async throws -> Bool {
        let wrongMedia =
            try await storage.database.query(
                """
                SELECT count(*) FROM media m WHERE m.id IN (\(list: media)) AND (
                  m.like_count <> (SELECT count(*) FROM likes WHERE media_id = m.id)
                  OR m.comment_count <> (SELECT count(*) FROM comments WHERE media_id = m.id))
                """
            ).scalarInt() ?? 0
        let wrongUsers =
            try await storage.database.query(
                """
                SELECT count(*) FROM users u WHERE u.id IN (\(list: accounts)) AND (
                  u.follows_count <> (SELECT count(*) FROM follows WHERE follower_id = u.id)
                  OR u.followed_by_count <> (SELECT count(*) FROM follows WHERE followee_id = u.id)
                  OR u.media_count <> (SELECT count(*) FROM media WHERE user_id = u.id))
                """
            ).scalarInt() ?? 0
        return wrongMedia == 0 && wrongUsers == 0
    }
}

/// Results by load, filled from the benchmark's server task.
private final class ResultsBox: Sendable {
    private let results = Mutex<[String: [WrkResult]]>([:])

    func append(_ name: String, _ result: WrkResult) { results.withLock { $0[name, default: []].append(result) } }
    var all: [String: [WrkResult]] { results.withLock { $0 } }
}
