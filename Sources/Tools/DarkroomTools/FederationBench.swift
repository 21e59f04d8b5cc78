import ArgumentParser
import AsyncHTTPClient
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// The federation bars (issue 36), each on a fresh SQLite data folder:
/// - inbox: signed Likes from a local load generator, each one's signature verified and its like stored, per second;
/// - fan-out: one post to 1,000 remote followers spread over 100 local receiving servers, every delivery's time from
///   the post's commit to its receipt;
/// - cost: what posting costs its author with 1,000 remote followers against with none (the post alone, in-process).
struct FederationBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Measure signed inbox deliveries per second, a post's fan-out to remote servers, and its cost to the author."
    )

    @Option(help: "Signed activities sent to the inbox.") var activities = 6000
    @Option(help: "Requests the load generator keeps in flight.") var concurrency = 32
    @Option(help: "Remote followers of the posting account.") var followers = 1000
    @Option(help: "Receiving servers they are spread over.") var servers = 100
    @Option(help: "Posts timed for the cost of posting, each way.") var costPosts = 200

    static let renditions = Renditions(key: "seed/0", standard: 612, low: 306, thumbnail: 150)

    func run() async throws {
        bootstrapLogging(level: .warning)
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-federation-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: work) }
        let key = try ActorKeyPair.generate()
        let inbox = try await withFreshStorage(work + "/inbox") { try await inboxRate($0, key: key) }
        let fanOut = try await withFreshStorage(work + "/fanout") { try await fanOutLatency($0, key: key) }
        let cost = try await withFreshStorage(work + "/cost") { try await postingCost($0, key: key) }
        let report: [String: Any] = [
            "inbox": inbox,
            "fan_out": fanOut,
            "posting_cost": cost,
            "bars_met": [
                "inbox_at_least_500_per_second": (inbox["activities_per_second"] ?? 0) >= 500,
                "fan_out_p99_at_most_5s": (0...5000).contains(fanOut["p99_ms"] ?? -1) && fanOut["delivered"] == Double(servers),
                "posting_cost_at_most_1.2x": (cost["ratio"] ?? .infinity) <= 1.2,
            ],
        ]
        let json = try JSONSerialization.data(withJSONObject: report, options: [.prettyPrinted, .sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }

    private func withFreshStorage<T: Sendable>(_ directory: String, _ body: (Storage) async throws -> T) async throws -> T {
        var options = StorageOptions()
        options.dataDir = directory
        options.databaseURL = ""
        return try await options.withStorage(body)
    }

    /// Remote actors sharing one key (the receivers check nothing; Darkroom checks each signature all the same).
    private func remoteActor(_ index: Int, host: String, key: ActorKeyPair) -> RemoteActor {
        let uri = "http://\(host)/users/f\(index)"
        return RemoteActor(
            uri: uri,
            handle: FediverseHandle(name: "f\(index)", host: host),
            name: "Follower \(index)",
            summary: "",
            inbox: uri + "/inbox",
            sharedInbox: "http://\(host)/inbox",
            followers: nil,
            profileURL: nil,
            keyID: uri + "#main-key",
            publicKeyPEM: key.publicKeyPEM,
            manuallyApprovesFollowers: false
        )
    }

    /// Runs `body` with a server on the storage (federation on, loopback allowed), given its port.
    private func runningServer<T: Sendable>(
        _ storage: Storage,
        runsJobs: Bool,
        _ body: @escaping @Sendable (Int) async throws -> T
    ) async throws -> T {
        var configuration = AppConfiguration(host: "127.0.0.1", port: 0, publicURL: Self.publicURL)
        configuration.federationEnabled = true
        configuration.federationNetworks = ["127.0.0.0/8"]
        configuration.runsJobs = runsJobs
        let result = Mutex<T?>(nil)
        try await withBenchServer(configuration: configuration, storage: storage, routes: []) { base in
            let port = Int(base.split(separator: ":").last ?? "") ?? 0
            let value = try await body(port)
            result.withLock { $0 = value }
        }
        guard let value = result.withLock({ $0 }) else { throw ValidationError("the server did not run") }
        return value
    }

    static let publicURL = "http://darkroom.bench"

    // MARK: Inbox

    private func inboxRate(_ storage: Storage, key: ActorKeyPair) async throws -> [String: Double] {
        let owner = try await storage.users.create(NewUser(username: "bench_fed_owner"))
        let posts = try await (0..<4).asyncMap { index in
            try await storage.mediaWriter.create(NewMedia(owner: owner.id, caption: "post \(index)", renditions: Self.renditions))
        }
        let actorCount = (activities + posts.count - 1) / posts.count
        for index in 0..<actorCount { _ = try await storage.federation.save(remoteActor(index, host: "remote\(index % 50).example", key: key)) }
        return try await runningServer(storage, runsJobs: false) { port in
            // Signed before the clock starts: the load generator's work is not Darkroom's.
            let requests = try (0..<activities).map { index -> (headers: HTTPHeaders, body: [UInt8]) in
                let actor = remoteActor(index % actorCount, host: "remote\(index % actorCount % 50).example", key: key)
                let like: [String: Any] = [
                    "@context": "https://www.w3.org/ns/activitystreams", "type": "Like", "id": actor.uri + "#likes/\(index)", "actor": actor.uri,
                    "object": Self.publicURL + "/ap/media/\(posts[index / actorCount].rawValue)",
                ]
                return try signed(like, path: "/ap/inbox", host: "127.0.0.1:\(port)", actor: actor, key: key, now: storage.environment.nowSeconds)
            }
            let client = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: .init(timeout: .init(connect: .seconds(5), read: .seconds(30)))
            )
            let start = ContinuousClock.now
            let accepted = try await withThrowingTaskGroup(of: Bool.self) { group in
                var accepted = 0
                for (index, request) in requests.enumerated() {
                    if index >= concurrency, try await group.next() == true { accepted += 1 }
                    group.addTask {
                        var outgoing = HTTPClientRequest(url: "http://127.0.0.1:\(port)/ap/inbox")
                        outgoing.method = .POST
                        outgoing.headers = request.headers
                        outgoing.body = .bytes(ByteBuffer(bytes: request.body))
                        let response = try await client.execute(outgoing, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        return response.status == .accepted
                    }
                }
                for try await ok in group where ok { accepted += 1 }
                return accepted
            }
            let seconds = Self.seconds(ContinuousClock.now - start)
            try await client.shutdown()
            let stored = try await storage.database.query("SELECT count(*) FROM likes").scalarInt() ?? 0
            return [
                "activities": Double(activities), "accepted": Double(accepted), "likes_stored": Double(stored),
                "seconds": seconds.rounded(toPlaces: 2),
                "activities_per_second": (Double(stored) / seconds).rounded(toPlaces: 1),
            ]
        }
    }

    private func signed(
        _ activity: [String: Any],
        path: String,
        host: String,
        actor: RemoteActor,
        key: ActorKeyPair,
        now: Int64
    ) throws -> (headers: HTTPHeaders, body: [UInt8]) {
        let body = Array(try JSONSerialization.data(withJSONObject: activity))
        var fields = ["host": host, "date": HTTPSignature.httpDate(now), "digest": HTTPSignature.digest(body)]
        fields["signature"] = try key.signature(
            method: "POST",
            target: path,
            names: HTTPSignature.signedHeaders(hasBody: true),
            keyID: actor.keyID
        ) { fields[$0] }
        var headers: HTTPHeaders = ["Content-Type": "application/activity+json"]
        for name in ["date", "digest", "signature"] { headers.add(name: name.capitalized, value: fields[name]!) }
        return (headers, body)
    }

    // MARK: Fan-out

    private func fanOutLatency(_ storage: Storage, key: ActorKeyPair) async throws -> [String: Double] {
        let receivers = try await InboxReceivers.start(count: servers)
        defer { receivers.stop() }
        let star = try await storage.users.create(NewUser(username: "bench_fed_star"))
        try await followedRemotely(star.id, storage: storage, hosts: receivers.hosts, key: key)
        return try await runningServer(storage, runsJobs: true) { _ in
            let committed = ContinuousClock.now
            _ = try await storage.mediaWriter.create(NewMedia(owner: star.id, caption: "to the fediverse", renditions: Self.renditions))
            storage.jobs.wake()
            let deadline = committed + .seconds(60)
            while receivers.count() < servers && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
            let latencies = receivers.arrivals().map { Self.seconds($0 - committed) * 1000 }.sorted()
            return [
                "remote_followers": Double(followers), "servers": Double(servers), "delivered": Double(latencies.count),
                "p50_ms": Self.percentile(latencies, 0.5).rounded(toPlaces: 1), "p99_ms": Self.percentile(latencies, 0.99).rounded(toPlaces: 1),
            ]
        }
    }

    /// `followers` remote accounts spread over `hosts`, following `user` (written directly: no Accepts to send).
    private func followedRemotely(_ user: UserID, storage: Storage, hosts: [String], key: ActorKeyPair) async throws {
        for index in 0..<followers {
            let follower = try await storage.federation.save(remoteActor(index, host: hosts[index % hosts.count], key: key))
            try await storage.database.execute(
                """
                INSERT INTO follows (follower_id, followee_id, id, created_at) VALUES (\(follower), \(user), \(storage.environment.ids.next()), 0)
                """
            )
        }
        try await storage.database.execute(
            "UPDATE users SET followed_by_count = \(Int64(followers)), remote_followers = \(Int64(followers)) WHERE id = \(user)"
        )
    }

    // MARK: Cost to the author

    private func postingCost(_ storage: Storage, key: ActorKeyPair) async throws -> [String: Double] {
        storage.federationSwitch.turnOn()
        let lonely = try await storage.users.create(NewUser(username: "bench_fed_lonely"))
        let followed = try await storage.users.create(NewUser(username: "bench_fed_followed"))
        try await followedRemotely(followed.id, storage: storage, hosts: (0..<servers).map { "remote\($0).example" }, key: key)
        var without: [Double] = []
        var with: [Double] = []
        for index in 0..<(2 * costPosts) {
            let author = index % 2 == 0 ? lonely : followed
            let start = ContinuousClock.now
            _ = try await storage.mediaWriter.create(NewMedia(owner: author.id, caption: "cost \(index)", renditions: Self.renditions))
            let elapsed = Self.seconds(ContinuousClock.now - start) * 1000
            if index % 2 == 0 { without.append(elapsed) } else { with.append(elapsed) }
        }
        let ratio = Self.percentile(with.sorted(), 0.5) / Self.percentile(without.sorted(), 0.5)
        return [
            "posts_each": Double(costPosts), "median_ms_without": Self.percentile(without.sorted(), 0.5).rounded(toPlaces: 3),
            "median_ms_with_\(followers)_remote_followers": Self.percentile(with.sorted(), 0.5).rounded(toPlaces: 3),
            "ratio": ratio.rounded(toPlaces: 3),
        ]
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The value at `fraction` of a sorted list; -1 for an empty one (JSON has no infinity).
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double {
        guard !sorted.isEmpty else { return -1 }
        return sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * fraction + 0.5))]
    }
}

/// Local servers standing for remote ones: each records when an activity reached its shared inbox.
final class InboxReceivers: Sendable {
    let hosts: [String]
    private let received = Mutex<[ContinuousClock.Instant]>([])
    private let tasks: Mutex<[Task<Void, any Error>]>

    private init(hosts: [String], tasks: [Task<Void, any Error>]) {
        self.hosts = hosts
        self.tasks = Mutex(tasks)
    }

    func count() -> Int { received.withLock { $0.count } }
    func arrivals() -> [ContinuousClock.Instant] { received.withLock { $0 } }
    func stop() { tasks.withLock { for task in $0 { task.cancel() } } }

    static func start(count: Int) async throws -> InboxReceivers {
        let box = Mutex<InboxReceivers?>(nil)
        let (ports, tasks) = try await startLoopbackReceivers(count: count, path: "/inbox", status: .accepted) { _ in
            let now = ContinuousClock.now
            box.withLock { $0 }?.received.withLock { $0.append(now) }
        }
        let receivers = InboxReceivers(hosts: ports.map { "127.0.0.1:\($0)" }, tasks: tasks)
        box.withLock { $0 = receivers }
        return receivers
    }
}

extension Sequence {
    fileprivate func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var mapped: [T] = []
        for element in self { mapped.append(try await transform(element)) }
        return mapped
    }
}
