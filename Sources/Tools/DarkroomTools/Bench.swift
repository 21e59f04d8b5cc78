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

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Benchmarks, measured on this machine.",
        subcommands: [
            FeedBench.self, StatementBench.self, PagesBench.self, RealtimeBench.self, StreamsBench.self, WritesBench.self, PostBench.self,
            GeoBench.self, IngestBench.self, ExplainBench.self,
        ]
    )
}

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
        let opened = try await storage.open()
        let tokens = try await BenchViewers.tokens(
            in: opened,
            count: measuring.viewers,
            follows: minFollows...maxFollows,
            scopes: [.basic]
        )
        let wrk = measuring.wrk
        if let target {
            try await measureDeployment(at: target, tokens: tokens, wrk: wrk)
            await opened.database.close()
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
        await opened.database.close()
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

/// CPU time of every program on the machine, summed by name (`darkroom`, `postgres`, `haproxy`, `wrk`), from
/// /proc: where a deployment's time goes when all of it runs on one machine. This process (the benchmark's driver,
/// idle while wrk runs) is left out; wrk, its child, is counted once it has ended.
enum ProgramCPU {
    static func snapshot() -> [String: Double] {
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let me = ProcessInfo.processInfo.processIdentifier
        var seconds: [String: Double] = [:]
        let pids = (try? FileManager.default.contentsOfDirectory(atPath: "/proc"))?.compactMap(Int32.init) ?? []
        for pid in pids where pid != me {
            // /proc/PID/stat: "pid (comm) state …"; utime and stime are the 12th and 13th fields after the comm.
            guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { continue }
            let name = String(stat[stat.index(after: open)..<close])
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
            seconds[name, default: 0] += (user + system) / ticks
        }
        // wrk has ended by the second snapshot: its time is this process's children's.
        var children = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        seconds["wrk", default: 0] +=
            Double(children.ru_utime.tv_sec + children.ru_stime.tv_sec)
            + Double(children.ru_utime.tv_usec + children.ru_stime.tv_usec) / 1e6
        return seconds
    }

    /// Per-request CPU of the programs that did work between two snapshots (processes that ended meanwhile are not
    /// counted; a deployment's processes live through the run).
    static func microsecondsPerRequest(from before: [String: Double], to after: [String: Double], requests: Double) -> [String: Double] {
        guard requests > 0 else { return [:] }
        var result: [String: Double] = [:]
        for (name, seconds) in after {
            let used = seconds - (before[name] ?? 0)
            if used * 1e6 / requests >= 1 { result[name] = (used * 1e6 / requests).rounded() }
        }
        return result
    }
}

/// How the wrk benchmarks load the server, the same for reads and writes.
struct LoadOptions: ParsableArguments {
    @Option(help: "Seconds per wrk run.") var duration = 15
    @Option(help: "wrk connections.") var connections = 32
    @Option(help: "Runs of each load; medians are reported.") var runs = 3
    @Option(help: "Distinct users (tokens) the load rotates over.") var viewers = 1000

    var wrk: Wrk { Wrk(connections: connections, duration: duration) }
    var description: String { "-t1 -c\(connections) -d\(duration)s, \(runs) runs after a 3 s warm-up of each, medians" }
}

/// The viewers the read and write benchmarks act as: users who follow a moderate number of accounts, so their feeds
/// are typical, each with a token of its own.
enum BenchViewers {
    static func tokens(in storage: Storage, count: Int, follows: ClosedRange<Int>, scopes: Set<Scope>) async throws -> [String] {
        try await viewers(in: storage, count: count, follows: follows, scopes: scopes).map(\.token)
    }

    static func viewers(
        in storage: Storage,
        count: Int,
        follows: ClosedRange<Int>,
        scopes: Set<Scope>
    ) async throws -> [(id: UserID, token: String)] {
        let viewerIDs = try await storage.database.query(
            """
            SELECT id FROM users WHERE follows_count BETWEEN \(follows.lowerBound) AND \(follows.upperBound) ORDER BY id LIMIT \(count)
            """
        ).decode { try $0.id(UserID.self) }
        guard !viewerIDs.isEmpty else { throw ValidationError("no users to benchmark with: run `darkroom seed` first") }
        let client = try await storage.clients.create(name: "darkroom bench", redirectURIs: ["http://localhost/bench"])
        var viewers: [(id: UserID, token: String)] = []
        for viewer in viewerIDs { viewers.append((viewer, try await storage.tokens.create(userID: viewer, client: client, scopes: scopes))) }
        return viewers
    }

    static func feedScript(tokens: [String]) -> String {
        """
        local tokens = {\(luaList(tokens))}
        local i = 0
        request = function()
          i = i + 1
          return wrk.format("GET", "/v1/users/self/feed?access_token=" .. tokens[(i % #tokens) + 1])
        end
        """
    }
}

/// A wrk load: a Lua script that makes each request, aimed at a path.
struct BenchLoad {
    let name: String
    let scriptURL: URL
    let path: String

    init(name: String, script: String, path: String) throws {
        self.name = name
        self.path = path
        scriptURL = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-bench-\(name)-\(UUID().uuidString).lua")
        try script.write(to: scriptURL, atomically: true, encoding: .utf8)
    }

    func arguments(_ base: String) -> [String] { ["-s", scriptURL.path, base + path] }
    func remove() { try? FileManager.default.removeItem(at: scriptURL) }
}

func luaList<T>(_ values: [T]) -> String {
    values.map { "\"\($0)\"" }.joined(separator: ",")
}

/// Runs a server built as `serve` builds it, on a free port, for as long as `body` runs; `body` gets its base URL.
/// Logging, and metrics recorded as `serve` records them (without its listener), so that what is measured is what
/// runs.
func bootstrapAsServeDoes() -> Monitoring {
    bootstrapLogging(level: .warning)
    let registry = PrometheusCollectorRegistry()
    MetricsSystem.bootstrap(Monitoring.factory(registry: registry))
    return Monitoring(registry: registry)
}

func withBenchServer(
    configuration: AppConfiguration,
    storage: Storage,
    routes: [AdditionalRoute],
    _ body: @escaping @Sendable (String) async throws -> Void
) async throws {
    let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
    let app = try buildApplication(
        configuration: configuration,
        storage: storage,
        logger: Logger(label: "darkroom.bench"),
        additionalRoutes: routes
    ) { port in portSink.yield(port) }
    try await withThrowingTaskGroup(of: Void.self) { group in
        let server = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "darkroom.bench")))
        group.addTask { try await server.run() }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw ValidationError("server did not start") }
        do {
            try await body("http://127.0.0.1:\(port)")
        } catch {
            await server.triggerGracefulShutdown()
            throw error
        }
        await server.triggerGracefulShutdown()
    }
}

struct WrkResult {
    var requestsPerSecond: Double
    var p50: Double
    var p99: Double
    /// CPU time this process (the server) spent per request, in microseconds: steadier than rates on a noisy machine.
    var serverMicrosecondsPerRequest: Double = 0
    /// Answers other than 2xx or 3xx: a benchmark whose calls fail measures nothing, so they are reported.
    var failures = 0

    static func summary(_ results: [WrkResult]) -> [String: Any] {
        [
            "requests_per_second": Int(median(results.map(\.requestsPerSecond))), "p50_ms": median(results.map(\.p50)),
            "p99_ms": median(results.map(\.p99)), "server_cpu_us_per_request": median(results.map(\.serverMicrosecondsPerRequest)).rounded(),
            "failed_requests": results.map(\.failures).reduce(0, +),
        ]
    }

    static func ratios(_ results: [WrkResult], to reference: [WrkResult]) -> [Double] {
        zip(results, reference).map { ($0.requestsPerSecond / $1.requestsPerSecond * 1000).rounded() / 1000 }
    }

    static func medianRatio(_ results: [WrkResult], to reference: [WrkResult]) -> Double {
        median(ratios(results, to: reference))
    }
}

/// wrk with one thread (the server has the other core) and the given connections.
struct Wrk {
    var connections: Int
    var duration: Int

    func run(_ arguments: [String], seconds: Int? = nil) async throws -> WrkResult {
        let seconds = seconds ?? duration
        let cpuBefore = processCPUSeconds()
        let output = String(
            decoding: try await shellOnOwnThread("wrk", ["-t1", "-c\(connections)", "-d\(seconds)s", "--latency"] + arguments),
            as: UTF8.self
        )
        var result = WrkResult(requestsPerSecond: 0, p50: 0, p99: 0)
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.first == "Requests/sec:", fields.count > 1 { result.requestsPerSecond = Double(fields[1]) ?? 0 }
            if fields.first == "50%", fields.count > 1 { result.p50 = milliseconds(fields[1]) }
            if fields.first == "99%", fields.count > 1 { result.p99 = milliseconds(fields[1]) }
            if line.contains("Non-2xx"), let count = fields.last.flatMap({ Int($0) }) { result.failures = count }
        }
        let requests = result.requestsPerSecond * Double(seconds)
        if requests > 0 { result.serverMicrosecondsPerRequest = (processCPUSeconds() - cpuBefore) / requests * 1e6 }
        return result
    }

    private func milliseconds(_ text: Substring) -> Double {
        for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? 0) * scale
        }
        return 0
    }
}

/// User plus system CPU time of this process so far, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    guard !sorted.isEmpty else { return 0 }
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

func machineDescription() -> String {
    let cpu =
        (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last.map { $0.trimmingCharacters(in: .whitespaces) } ?? "unknown CPU"
    return "\(ProcessInfo.processInfo.activeProcessorCount) cores, \(cpu)"
}

/// `shell` on a thread of its own: waiting on one of the few threads that run the server's tasks would take that
/// thread from the server being measured.
func shellOnOwnThread(_ tool: String, _ arguments: [String]) async throws -> Data {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try shell(tool, arguments) }) }.start()
    }
}

/// Runs a tool found on PATH and answers its standard output; fails with its standard error.
func shell(_ tool: String, _ arguments: [String]) throws -> Data {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [tool] + arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw ValidationError("\(tool) failed (\(process.terminationStatus)): \(String(decoding: errorData, as: UTF8.self))")
    }
    return data
}

/// The posting bar: a post by an account with very many followers returns at once; its fan-out runs in the background.
struct PostBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "post",
        abstract: "Measure how long a post by an account with many followers takes, and its background fan-out."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "Followers of the posting account.") var followers = 100_000
    @Option(help: "Posts to time.") var posts = 20

    func run() async throws {
        bootstrapLogging(level: .warning)
        let opened = try await storage.open()
        let environment = opened.environment
        let star = try await opened.users.create(NewUser(username: "bench_star_\(environment.randomHex(bytes: 4))", fullName: "Bench Star"))
        // Followers are existing users where there are enough, else stand-in ids: only their feeds are written.
        let existing = try await opened.database.query("SELECT id FROM users WHERE id <> \(star.id) ORDER BY id LIMIT \(followers)").decode {
            try $0.int()
        }
        try await opened.database.transaction { tx in
            for index in 0..<followers {
                let follower = index < existing.count ? existing[index] : Int64(index + 1)
                try await tx.execute(
                    """
                    INSERT INTO follows (follower_id, followee_id, id, created_at) VALUES (\(follower), \(star.id), \(environment.ids.next()), 0)
                    ON CONFLICT DO NOTHING
                    """
                )
            }
            try await tx.execute("UPDATE users SET followed_by_count = \(followers) WHERE id = \(star.id)")
        }
        var latencies: [Double] = []
        var mediaIDs: [MediaID] = []
        for index in 0..<posts {
            let start = ContinuousClock.now
            mediaIDs.append(
                try await opened.mediaWriter.create(
                    NewMedia(
                        owner: star.id,
                        caption: "bench post \(index)",
                        renditions: Renditions(key: "seed/0", standard: 612, low: 306, thumbnail: 150)
                    )
                )
            )
            latencies.append(milliseconds(ContinuousClock.now - start))
        }
        let fanOutStart = ContinuousClock.now
        try await JobWorker(storage: opened, logger: Logger(label: "darkroom.bench")).drain()
        let fanOutSeconds = milliseconds(ContinuousClock.now - fanOutStart) / 1000
        let reached = try await opened.database.query("SELECT count(*) FROM feed_entries WHERE media_id = \(mediaIDs[0])").scalarInt() ?? 0
        let sorted = latencies.sorted()
        try printJSON([
            "machine": machineDescription(),
            "database": opened.database.displayName,
            "followers": followers,
            "posts": posts,
            "post_ms": ["p50": sorted[sorted.count / 2], "max": sorted.last ?? 0],
            "bar": "a post returns in under 50 ms",
            "background_fan_out": ["seconds_for_all_posts": fanOutSeconds, "feeds_reached_per_post": reached],
        ])
        await opened.database.close()
    }

    private func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15 * 1).rounded(toPlaces: 2)
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let scale = Foundation.pow(10.0, Double(places))
        return (self * scale).rounded() / scale
    }
}

/// Geo search latency: `/locations/search` and `/media/search` work, timed in-process at random points near the
/// seed's cities.
struct GeoBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "geo", abstract: "Time location and media searches by distance.")

    @OptionGroup var storage: StorageOptions
    @Option(help: "Searches of each kind.") var searches = 2000
    @Option(help: "Search radius in meters.") var distance: Double = 1000

    func run() async throws {
        bootstrapLogging(level: .warning)
        let opened = try await storage.open()
        let cities = [(37.7749, -122.4194), (40.7128, -74.0060), (51.5074, -0.1278), (48.8566, 2.3522), (35.6762, 139.6503)]
        var random = SystemRandomNumberGenerator()
        func point() -> GeoPoint {
            let city = cities.randomElement(using: &random)!
            return GeoPoint(
                latitude: city.0 + Double.random(in: -0.15...0.15, using: &random),
                longitude: city.1 + Double.random(in: -0.15...0.15, using: &random)
            )
        }
        let now = opened.environment.nowSeconds
        var locationTimes: [Double] = []
        var mediaTimes: [Double] = []
        var found = (locations: 0, media: 0)
        for _ in 0..<searches {
            var start = ContinuousClock.now
            found.locations += try await opened.locations.near(point(), meters: distance, count: 20, viewer: nil).count
            locationTimes.append(elapsedMilliseconds(since: start))
            start = ContinuousClock.now
            let page = MediaPageRequest(count: 20, minTimestamp: now - 5 * 86_400, maxTimestamp: now)
            found.media += try await opened.locations.mediaNear(point(), meters: distance, page: page, viewer: nil).count
            mediaTimes.append(elapsedMilliseconds(since: start))
        }
        let counts = try await opened.database.query(
            "SELECT (SELECT count(*) FROM locations), (SELECT count(*) FROM media WHERE latitude IS NOT NULL)"
        ).decodeFirst { (locations: try $0.int(), media: try $0.int()) }
        try printJSON([
            "machine": machineDescription(), "database": opened.database.displayName,
            "locations": counts?.locations ?? 0, "located_media": counts?.media ?? 0, "distance_m": distance,
            "locations_search_ms": ["p50": percentile(locationTimes, 0.5), "p99": percentile(locationTimes, 0.99)],
            "media_search_ms": ["p50": percentile(mediaTimes, 0.5), "p99": percentile(mediaTimes, 0.99)],
            "average_results": ["locations": Double(found.locations) / Double(searches), "media": Double(found.media) / Double(searches)],
            "bar": "p50 at most 10 ms",
        ])
        await opened.database.close()
    }

    private func elapsedMilliseconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
    }

    private func percentile(_ values: [Double], _ fraction: Double) -> Double {
        let sorted = values.sorted()
        return sorted.isEmpty ? 0 : (sorted[min(sorted.count - 1, Int(Double(sorted.count) * fraction))] * 1000).rounded() / 1000
    }
}

/// `pgbench -S -M prepared`: PostgreSQL answering one prepared primary-key SELECT per transaction, as fast as it can,
/// from a client on this machine — the most any server could get from it for one statement per request. Runs in a
/// database of its own beside Darkroom's (`<name>_pgbench`, made and initialized once at scale 10).
enum PgbenchCeiling {
    static func measure(databaseURL: String, connections: Int, seconds: Int) async throws -> [String: Any] {
        guard let (libpq, password) = PostgresTools.libpq(databaseURL),
            let slash = libpq.range(of: "/", options: .backwards, range: libpq.range(of: "://")!.upperBound..<libpq.endIndex)
        else { throw ValidationError("cannot read \(databaseURL)") }
        let query = libpq[slash.upperBound...].firstIndex(of: "?").map { String(libpq[$0...]) } ?? ""
        let name = String(libpq[slash.upperBound...].prefix { $0 != "?" }) + "_pgbench"
        let benchURL = String(libpq[..<slash.upperBound]) + name + query
        let admin = try PostgresDatabase(url: databaseURL.split(separator: "?")[0].description, maximumConnections: 1)
        let exists = try await admin.query("SELECT 1 FROM pg_database WHERE datname = \(name)").count > 0
        if !exists { try await admin.execute(SQL(stringLiteral: "CREATE DATABASE \(name)")) }
        await admin.close()
        if !exists { try await PostgresTools.run("pgbench", ["-i", "-q", "-s", "10", benchURL], password: password) }
        let output = try await PostgresTools.run(
            "pgbench",
            ["-S", "-M", "prepared", "-n", "-c", String(connections), "-j", "1", "-T", String(seconds), benchURL],
            password: password,
            timeout: .seconds(seconds + 30)
        )
        let tps =
            output.split(separator: "\n").first { $0.hasPrefix("tps = ") }
            .flatMap { Double($0.dropFirst("tps = ".count).prefix { $0 != " " }) } ?? 0
        return [
            "command": "pgbench -S -M prepared -n -c \(connections) -j 1 -T \(seconds) (scale 10, database \(name))",
            "transactions_per_second": tps,
        ]
    }
}
