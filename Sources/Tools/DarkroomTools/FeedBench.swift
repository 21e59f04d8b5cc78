import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomPhotoKit
import DarkroomSeed
import DarkroomStorage
import Foundation
import Hummingbird
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle
import Synchronization

/// The feed bar: `GET /users/self/feed` against a ready-made body of the same size, on the same server, in the same run.
struct FeedBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feed",
        abstract: "Measure /users/self/feed (20 media) against a ready-made feed body with wrk; prints the ratio."
    )

    @OptionGroup var storage: StorageOptions
    @OptionGroup var measuring: LoadOptions
    @Option(help: "Only viewers following at least this many accounts.") var minFollows = 10
    @Option(help: "Only viewers following at most this many accounts.") var maxFollows = 1000
    @Option(help: "Memory for rendered pages reused while unchanged, in MiB, as `serve` takes it; 0 renders every page.")
    var pageCacheMB = 64
    @Option(
        help: """
            Load a running deployment at this URL (a proxy before several `serve` nodes on --database-url) instead of a \
            server in this process; reports the rate and the CPU of each program on this machine per request.
            """
    )
    var target: String?

    func run() async throws {
        let monitoring = bootstrapAsServeDoes()
        try await storage.withStorage { opened in try await measure(opened, monitoring: monitoring) }
    }

    private func measure(_ opened: Storage, monitoring: Monitoring) async throws {
        let tokens = try await BenchViewers.tokens(
            in: opened,
            count: measuring.viewers,
            follows: minFollows...maxFollows,
            scopes: [.basic]
        )
        let wrk = measuring.wrk
        if let target {
            try await measureDeployment(at: target, tokens: tokens, wrk: wrk)
            return
        }

        // The ceiling: a real feed page, set once the server can answer one, served by the same stack with no work.
        let ceiling = Mutex(ByteBuffer())
        var configuration = AppConfiguration(port: 0)
        configuration.monitoring = monitoring
        configuration.pageCacheBytes = max(0, pageCacheMB) * 1024 * 1024
        try await withBenchServer(
            configuration: configuration,
            storage: opened,
            routes: [AdditionalRoute(path: "/bench/ready") { ceiling.withLock { $0 } }]
        ) { base in
            let page = try await shellOnOwnThread("curl", ["-sf", "\(base)/v1/users/self/feed?access_token=\(tokens[0])"])
            ceiling.withLock { $0 = ByteBuffer(bytes: page) }
            let feedLoad = try BenchLoad(name: "feed", script: BenchViewers.feedScript(tokens: tokens), path: "/v1/users/self/feed")

            // Both endpoints warm up first (caches, connections, the database's pages), so the runs compare steady states.
            _ = try await wrk.run(["\(base)/bench/ready"], seconds: 3)
            _ = try await wrk.run(feedLoad.arguments(base), seconds: 3)
            var ready: [WrkResult] = []
            var feed: [WrkResult] = []
            for run in 1...measuring.runs {
                ready.append(try await wrk.run(["\(base)/bench/ready"]))
                feed.append(try await wrk.run(feedLoad.arguments(base)))
                let (lastReady, lastFeed) = (ready[ready.count - 1], feed[feed.count - 1])
                FileHandle.standardError.write(
                    Data(
                        """
                        run \(run): ready \(Int(lastReady.requestsPerSecond)) req/s (\(Int(lastReady.serverMicrosecondsPerRequest)) µs CPU each), \
                        feed \(Int(lastFeed.requestsPerSecond)) req/s (\(Int(lastFeed.serverMicrosecondsPerRequest)) µs CPU each)\n
                        """.utf8
                    )
                )
            }
            // PostgreSQL's own ceiling for one statement per request, on the same server in the same run.
            var ceilingOfPostgres: [String: Any]?
            if !storage.databaseURL.isEmpty {
                ceilingOfPostgres = try await PgbenchCeiling.measure(
                    databaseURL: storage.databaseURL,
                    connections: measuring.connections,
                    seconds: measuring.duration
                )
            }
            var report: [String: Any] = [
                "machine": machineDescription(),
                "database": opened.database.displayName,
                "feed_body_bytes": page.count,
                "viewers": tokens.count,
                "page_cache_mb": pageCacheMB,
                "viewers_follow": "\(minFollows)...\(maxFollows) accounts",
                "wrk": measuring.description,
                "ready_body": WrkResult.summary(ready),
                "feed": WrkResult.summary(feed),
                // Each run measures the two back to back, so a machine that slows down for a while slows both alike.
                "ratio_feed_to_ready": WrkResult.medianRatio(feed, to: ready),
                "ratios_of_each_run": WrkResult.ratios(feed, to: ready),
                "bar": "feed must reach 0.5 of the ready-body rate",
            ]
            if let ceilingOfPostgres {
                report["postgres_select_only_ceiling"] = ceilingOfPostgres
                if let tps = ceilingOfPostgres["transactions_per_second"] as? Double, tps > 0 {
                    let feedRate = feed.map(\.requestsPerSecond).sorted()[feed.count / 2]
                    report["feed_to_postgres_ceiling"] = (feedRate / tps * 1000).rounded() / 1000
                }
            }
            try printJSON(report)
            feedLoad.remove()
        }
    }

    /// The feed through a deployment's front door: no ready body to compare with (the nodes are other processes),
    /// so each run reports its rate beside where the machine's CPU went, program by program.
    private func measureDeployment(at target: String, tokens: [String], wrk: Wrk) async throws {
        let base = target.hasSuffix("/") ? String(target.dropLast()) : target
        let feedLoad = try BenchLoad(name: "feed", script: BenchViewers.feedScript(tokens: tokens), path: "/v1/users/self/feed")
        defer { feedLoad.remove() }
        _ = try await wrk.run(feedLoad.arguments(base), seconds: 3)
        var feed: [WrkResult] = []
        var cpu: [[String: Double]] = []
        for run in 1...measuring.runs {
            let before = ProgramCPU.snapshot()
            let result = try await wrk.run(feedLoad.arguments(base))
            let perRequest = ProgramCPU.microsecondsPerRequest(
                from: before,
                to: ProgramCPU.snapshot(),
                requests: result.requestsPerSecond * Double(measuring.duration)
            )
            feed.append(result)
            cpu.append(perRequest)
            FileHandle.standardError.write(Data("run \(run): feed \(Int(result.requestsPerSecond)) req/s, CPU µs per request \(perRequest)\n".utf8))
        }
        var medianCPU: [String: Double] = [:]
        for program in Set(cpu.flatMap(\.keys)) { medianCPU[program] = median(cpu.map { $0[program] ?? 0 }).rounded() }
        try printJSON([
            "machine": machineDescription(),
            "target": base,
            "viewers": tokens.count,
            "viewers_follow": "\(minFollows)...\(maxFollows) accounts",
            "wrk": measuring.description,
            "feed": WrkResult.summary(feed).filter { $0.key != "server_cpu_us_per_request" },
            "cpu_us_per_request_by_program": medianCPU,
            "cpu_us_per_request": medianCPU.values.reduce(0, +),
        ])
    }
}
