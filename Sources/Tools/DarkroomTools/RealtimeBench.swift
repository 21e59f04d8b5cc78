import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// The real-time bar: tag subscriptions spread over local receivers, photos posted at a steady rate, every
/// notification's latency from the post's commit to the receiver's read, the rate they arrive at, and what posting
/// costs with the subscriptions against without.
struct RealtimeBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realtime",
        abstract: "Measure notification delivery: latency from commit to receiver, rate, and the cost of posting."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "Tag subscriptions.") var subscriptions = 1000
    @Option(help: "Receivers (local HTTP servers) they are spread over.") var receivers = 50
    @Option(help: "Subscriptions matching each post (each post carries one tag with this many subscribers).") var perPost = 10
    @Option(help: "Posts a second during the steady phase.") var rate = 200
    @Option(help: "Seconds of the steady phase.") var seconds = 10
    @Option(help: "Posts timed in-process for the cost of posting, without and then with the subscriptions.") var costPosts = 400

    func run() async throws {
        bootstrapLogging(level: .warning)
        try await storage.withStorage { opened in
            let author = try await opened.users.create(NewUser(username: "bench_rt_\(opened.environment.randomHex(bytes: 4))"))
            let renditions = Renditions(key: "seed/0", standard: 612, low: 306, thumbnail: 150)
            let tags = max(1, subscriptions / perPost)

            @Sendable func post(_ caption: String) async throws -> (MediaID, Duration) {
                let start = ContinuousClock.now
                let id = try await opened.mediaWriter.create(NewMedia(owner: author.id, caption: caption, renditions: renditions))
                return (id, ContinuousClock.now - start)
            }

            // What posting costs, without and then with the subscriptions (no delivery running: the post alone).
            var without: [Duration] = []
            for index in 0..<costPosts { without.append(try await post("cost #rt\(index % tags)").1) }
            let receiverSet = try await BenchReceivers.start(count: receivers)
            let client = try await opened.clients.create(name: "bench realtime", redirectURIs: ["http://localhost/cb"])
            for index in 0..<subscriptions {
                _ = try await opened.subscriptions.create(
                    .init(object: .tag, objectID: "rt\(index % tags)", callbackURL: receiverSet.urls[index % receivers], verifyToken: nil),
                    for: client.ref,
                    limit: subscriptions + 1
                )
            }
            var with: [Duration] = []
            for index in 0..<costPosts { with.append(try await post("cost #rt\(index % tags)").1) }
            // The cost phase's notifications are not the steady phase's to deliver.
            try await opened.database.execute("DELETE FROM jobs WHERE kind = 'announce-media'")
            try await opened.database.execute("DELETE FROM notifications")

            // The steady phase: the server delivers while posts go in at `rate` a second.
            var configuration = AppConfiguration(port: 0)
            configuration.callbackNetworks = ["127.0.0.1/32"]
            let commits = Mutex<[String: ContinuousClock.Instant]>([:])
            let posted = Mutex(0)
            let rate = self.rate
            let seconds = self.seconds
            try await withBenchServer(configuration: configuration, storage: opened, routes: []) { _ in
                let start = ContinuousClock.now
                let interval = Duration.seconds(1) / rate
                for index in 0..<(rate * seconds) {
                    let slot = start + interval * index
                    if slot > ContinuousClock.now { try await Task.sleep(until: slot) }
                    let (id, _) = try await post("steady #rt\(index % tags)")
                    commits.withLock { $0[id.description] = ContinuousClock.now }
                    posted.withLock { $0 += 1 }
                }
                let expected = posted.withLock { $0 } * perPost
                let deadline = ContinuousClock.now + .seconds(30)
                while receiverSet.count() < expected, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            }
            let arrivals = receiverSet.arrivals()
            let known = commits.withLock { $0 }
            let latencies = arrivals.compactMap { arrival in known[arrival.media].map { milliseconds(arrival.at - $0) } }.sorted()
            let first = arrivals.map(\.at).min()
            let last = arrivals.map(\.at).max()
            let span = first.flatMap { first in last.map { milliseconds($0 - first) / 1000 } } ?? 0
            receiverSet.stop()
            let mean = { (values: [Duration]) in values.map(milliseconds).reduce(0, +) / Double(max(values.count, 1)) }
            try printJSON([
                "machine": machineDescription(),
                "database": opened.database.displayName,
                "subscriptions": subscriptions, "receivers": receivers, "notifications_per_post": perPost,
                "steady_phase": ["posts_per_second": rate, "seconds": seconds, "posts": posted.withLock { $0 }],
                "notifications_expected": posted.withLock { $0 } * perPost,
                "notifications_delivered": latencies.count,
                "notifications_per_second": span > 0 ? (Double(latencies.count) / span).rounded() : 0,
                "latency_ms": latencies.isEmpty
                    ? [:]
                    : [
                        "p50": latencies[latencies.count / 2], "p99": latencies[min(latencies.count - 1, latencies.count * 99 / 100)],
                        "max": latencies.last ?? 0,
                    ],
                "post_ms_mean": ["without_subscriptions": mean(without).rounded(toPlaces: 3), "with_subscriptions": mean(with).rounded(toPlaces: 3)],
                "post_cost_ratio": (mean(with) / max(mean(without), 0.000_001)).rounded(toPlaces: 2),
                "bars": "p50 ≤ 25 ms and p99 ≤ 250 ms at 200 posts/s; posting ≤ 1.2× with the subscriptions; ≥ 2,000 notifications/s",
            ])
        }
    }

    private func milliseconds(_ duration: Duration) -> Double {
        (Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15).rounded(toPlaces: 2)
    }
}

/// Local HTTP servers standing in for subscribers: each answers 200 and notes when each media's notification arrived.
final class BenchReceivers: Sendable {
    struct Arrival: Sendable {
        var media: String
        var at: ContinuousClock.Instant
    }

    let urls: [String]
    private let received = Mutex<[Arrival]>([])
    private let tasks: Mutex<[Task<Void, any Error>]>

    private init(urls: [String], tasks: [Task<Void, any Error>]) {
        self.urls = urls
        self.tasks = Mutex(tasks)
    }

    func count() -> Int { received.withLock { $0.count } }
    func arrivals() -> [Arrival] { received.withLock { $0 } }
    func stop() { tasks.withLock { for task in $0 { task.cancel() } } }

    fileprivate func record(_ body: ByteBuffer) {
        let now = ContinuousClock.now
        guard let items = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [[String: Any]] else { return }
        let arrivals = items.compactMap { ($0["data"] as? [String: Any])?["media_id"] as? String }.map { Arrival(media: $0, at: now) }
        received.withLock { $0 += arrivals }
    }

    static func start(count: Int) async throws -> BenchReceivers {
        let box = Mutex<BenchReceivers?>(nil)
        let (ports, tasks) = try await startLoopbackReceivers(count: count, path: "/callback", status: .ok) { body in
            box.withLock { $0 }?.record(body)
        }
        let receivers = BenchReceivers(urls: ports.map { "http://127.0.0.1:\($0)/callback" }, tasks: tasks)
        box.withLock { $0 = receivers }
        return receivers
    }
}

/// Starts `count` HTTP servers on loopback, each answering a POST to `path` with `status` once it has handed the body
/// to `onBody`; answers their ports and the tasks that run them (cancel those to stop them).
func startLoopbackReceivers(
    count: Int,
    path: String,
    status: HTTPResponse.Status,
    onBody: @escaping @Sendable (ByteBuffer) -> Void
) async throws -> (ports: [Int], tasks: [Task<Void, any Error>]) {
    var ports: [Int] = []
    var tasks: [Task<Void, any Error>] = []
    var quiet = Logger(label: "darkroom.bench.receiver")
    quiet.logLevel = .critical
    for _ in 0..<count {
        let router = Router()
        router.post(RouterPath(path)) { request, _ -> Response in
            onBody(try await request.body.collect(upTo: 1 << 22))
            return Response(status: status)
        }
        let port = Mutex<Int?>(nil)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in port.withLock { $0 = channel.localAddress?.port } },
            logger: quiet
        )
        tasks.append(Task { try await app.runService() })
        while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(5)) }
        ports.append(port.withLock { $0 }!)
    }
    return (ports, tasks)
}
