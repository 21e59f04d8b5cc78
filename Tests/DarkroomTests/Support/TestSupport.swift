import DarkroomAPI
import DarkroomCore
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import NIOPosix
import Synchronization
import Testing

@testable import DarkroomStorage

/// The engines a test runs on: SQLite always, PostgreSQL when DARKROOM_TEST_POSTGRES_URL names a server.
enum Engine: String, CustomTestStringConvertible, Sendable {
    case sqlite, postgres

    static var available: [Engine] {
        ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_URL"].map { $0.isEmpty ? [.sqlite] : [.sqlite, .postgres] } ?? [.sqlite]
    }

    var testDescription: String { rawValue }
}

/// A clock the test moves by hand; ids made from it are time-ordered like real ones, and timers set on it
/// (`SystemEnvironment.sleepUntil`) fire when the test moves it past them, never in real time.
final class ManualClock: Sendable {
    private struct State {
        var now: Int64
        var sleepers: [UInt64: (deadline: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
        var cancelled: Set<UInt64> = []
        var nextSleeper: UInt64 = 0
    }

    private let state: Mutex<State>

    init(unixSeconds: Int64 = 1_700_000_000) { state = Mutex(State(now: unixSeconds * 1000)) }

    var now: Int64 { state.withLock { $0.now } }

    func advance(seconds: Int64) {
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.now += seconds * 1000
            let due = state.sleepers.filter { $0.value.deadline <= state.now }
            for id in due.keys { state.sleepers[id] = nil }
            return due.values.map(\.continuation)
        }
        for sleeper in due { sleeper.resume() }
    }

    /// Timers waiting on this clock now.
    var sleeping: Int { state.withLock { $0.sleepers.count } }

    func sleep(until deadline: Int64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextSleeper += 1
            return state.nextSleeper
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let wakeNow = state.withLock { state -> Bool in
                    if state.now >= deadline || state.cancelled.remove(id) != nil { return true }
                    state.sleepers[id] = (deadline, continuation)
                    return false
                }
                if wakeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
                guard let sleeper = state.sleepers.removeValue(forKey: id) else {
                    state.cancelled.insert(id)
                    return nil
                }
                return sleeper.continuation
            }
            sleeper?.resume()
        }
    }
}

/// A fresh, migrated database on one engine — a temporary SQLite file, or a PostgreSQL schema of its own —
/// with a controlled clock, removed when the test is done.
struct TestWorld: Sendable {
    let storage: Storage
    let clock: ManualClock
    /// Where the data lives: the data directory, and the PostgreSQL URL (schema included) when on PostgreSQL.
    let dataDirectory: String
    let databaseURL: String?
    let cleanup: @Sendable () async -> Void

    /// - Parameter schemaVersion: a database migrated only this far, for a test of a later migration's own work.
    static func make(_ engine: Engine, schemaVersion: Int? = nil) async throws -> TestWorld {
        let clock = ManualClock()
        let counter = Mutex<UInt64>(0)
        let environment = SystemEnvironment(
            nowMilliseconds: { clock.now },
            ids: IDGenerator(shard: 1, clock: { clock.now }),
            randomBytes: { count in
                // Deterministic but distinct bytes: tests never depend on real randomness.
                counter.withLock { state in
                    (0..<count).map { _ in
                        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                        return UInt8(truncatingIfNeeded: state >> 33)
                    }
                }
            },
            sleepUntil: { await clock.sleep(until: $0) }
        )
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("darkroom-test-\(UUID().uuidString)").path
        switch engine {
        case .sqlite:
            let storage = try await Storage.open(
                databaseURL: nil,
                dataDirectory: directory,
                environment: environment,
                migrate: schemaVersion == nil
            )
            if let schemaVersion { try await Migrator(database: storage.database).migrate(nowSeconds: clock.now / 1000, upTo: schemaVersion) }
            return TestWorld(storage: storage, clock: clock, dataDirectory: directory, databaseURL: nil) {
                await storage.database.close()
                try? FileManager.default.removeItem(atPath: directory)
            }
        case .postgres:
            let base = ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_URL"]!
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let admin = try PostgresDatabase(url: base, maximumConnections: 1)
            try await admin.execute(SQL(stringLiteral: "CREATE SCHEMA \(schema)"))
            let separator = base.contains("?") ? "&" : "?"
            // Suites run in parallel, each world with a pool of its own: small pools keep them under the server's limit.
            let url = base + separator + "search_path=" + schema + "&pool_size=4"
            let storage = try await Storage.open(
                databaseURL: url,
                dataDirectory: directory,
                environment: environment,
                migrate: schemaVersion == nil
            )
            if let schemaVersion { try await Migrator(database: storage.database).migrate(nowSeconds: clock.now / 1000, upTo: schemaVersion) }
            return TestWorld(storage: storage, clock: clock, dataDirectory: directory, databaseURL: url) {
                await storage.database.close()
                try? FileManager.default.removeItem(atPath: directory)
                try? await admin.execute(SQL(stringLiteral: "DROP SCHEMA \(schema) CASCADE"))
                await admin.close()
            }
        }
    }

    /// Runs `body` with a fresh world, cleaning up whatever happens.
    static func with<T: Sendable>(_ engine: Engine, schemaVersion: Int? = nil, _ body: (TestWorld) async throws -> T) async throws -> T {
        guard engine == .sqlite else {
            return try await PostgresWorlds.admitted { try await withWorld(engine, schemaVersion: schemaVersion, body) }
        }
        return try await withWorld(engine, schemaVersion: schemaVersion, body)
    }

    private static func withWorld<T: Sendable>(_ engine: Engine, schemaVersion: Int?, _ body: (TestWorld) async throws -> T) async throws -> T {
        let world = try await make(engine, schemaVersion: schemaVersion)
        do {
            let result = try await body(world)
            await world.cleanup()
            return result
        } catch {
            await world.cleanup()
            throw error
        }
    }

    // MARK: - Making data

    @discardableResult
    func user(_ username: String, fullName: String = "", isPrivate: Bool = false) async throws -> User {
        try await storage.users.create(
            NewUser(username: username, fullName: fullName, bio: "bio of \(username)", website: "http://example.com", isPrivate: isPrivate)
        )
    }

    @discardableResult
    func post(by owner: User, caption: String? = nil, advance: Int64 = 60, at location: Location? = nil) async throws -> MediaID {
        clock.advance(seconds: advance)
        return try await storage.mediaWriter.create(
            NewMedia(
                owner: owner.id,
                filter: "Earlybird",
                caption: caption,
                locationID: location?.id,
                latitude: location?.latitude,
                longitude: location?.longitude,
                renditions: Renditions(key: "test/\(owner.username)", standard: 612, low: 306, thumbnail: 150)
            )
        )
    }

    func client() async throws -> Client {
        try await storage.clients.create(name: "test app", redirectURIs: ["http://localhost/callback"])
    }

    func token(for user: User, scopes: Set<Scope> = [.basic]) async throws -> String {
        try await storage.tokens.create(userID: user.id, client: client(), scopes: scopes)
    }

    /// Runs `body` against the application in-process, the way a client would reach it.
    func withApp(
        configure: (inout AppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        try await Self.withApp(on: storage, configure: configure, body)
    }

    /// The application on a real loopback port, for clients that speak HTTP themselves (DarkroomKit); `body` gets its
    /// base address, which is also its public URL, so the `next_url`s it hands out lead back to it.
    func withLiveServer(configure: (inout AppConfiguration) -> Void = { _ in }, _ body: @escaping @Sendable (URL) async throws -> Void) async throws {
        var logger = Logger(label: "darkroom.test")
        logger.logLevel = .warning
        let port = try Self.freePort()
        var configuration = AppConfiguration(host: "127.0.0.1", port: port)
        configure(&configuration)
        let app = try buildApplication(configuration: configuration, storage: storage, logger: logger)
        // HummingbirdTesting's live mode picks its own port, which the public URL could not name: run it here.
        let running = Task { try await app.runService(gracefulShutdownSignals: []) }
        do {
            try await Self.waitUntilListening(port)
            try await body(URL(string: "http://127.0.0.1:\(port)")!)
        } catch {
            running.cancel()
            _ = await running.result
            throw error
        }
        running.cancel()
        _ = await running.result
    }

    private static func waitUntilListening(_ port: Int) async throws {
        for _ in 0..<500 {
            if let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: "127.0.0.1", port: port).get() {
                try? await channel.close()
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw CancellationError()
    }

    /// A port nothing listens on now (the kernel's pick, released at once).
    private static func freePort() throws -> Int {
        let channel = try ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).wait()
        defer { try? channel.close().wait() }
        return channel.localAddress?.port ?? 0
    }

    /// The application over any storage (a restored copy, say), as `withApp` runs it.
    static func withApp(
        on storage: Storage,
        configure: (inout AppConfiguration) -> Void = { _ in },
        _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var logger = Logger(label: "darkroom.test")
        logger.logLevel = .warning
        var configuration = AppConfiguration(host: "127.0.0.1", port: 0, publicURL: "http://darkroom.test")
        // Test peers (callbacks, fediverse servers) run in this process, and a loaded parallel run can hold their
        // answers for seconds: the production 10 s would time out what answers at once. Tests of the timeout set theirs.
        configuration.callbackTimeout = .seconds(30)
        configure(&configuration)
        let app = try buildApplication(configuration: configuration, storage: storage, logger: logger)
        try await app.test(.router) { client in try await body(client) }
    }
}

extension TestClientProtocol {
    func get(_ path: String) async throws -> JSONBody {
        try await execute(uri: path, method: .get) { try JSONBody($0) }
    }

    /// A form POST, as the official clients send it.
    func post(_ path: String, form: [String: String] = [:]) async throws -> JSONBody {
        let body = form.map { "\($0.key)=\($0.value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        return try await execute(
            uri: path,
            method: .post,
            headers: [.contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: body)
        ) { try JSONBody($0) }
    }

    /// A multipart/form-data POST: text fields, and files as (field, bytes).
    func upload(_ path: String, fields: [String: String] = [:], files: [(String, [UInt8])] = [], headers: HTTPFields = [:]) async throws -> JSONBody {
        try await upload(path, pairs: fields.sorted { $0.key < $1.key }, files: files, headers: headers)
    }

    /// A multipart/form-data POST whose fields may repeat (a carousel's, one per photo), in the order given.
    func upload(_ path: String, pairs: [(String, String)], files: [(String, [UInt8])] = [], headers: HTTPFields = [:]) async throws -> JSONBody {
        let boundary = "----darkroom-test-boundary-7MA4YWxkTrZu0gW"
        var body: [UInt8] = []
        for (name, value) in pairs {
            body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8)
        }
        for (name, bytes) in files {
            body += Array(
                """
                --\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"../../etc/passwd.jpg\"\r\nContent-Type: \
                image/jpeg\r\n\r\n
                """
                .utf8
            )
            body += bytes + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        var allHeaders = headers
        allHeaders[.contentType] = "multipart/form-data; boundary=\(boundary)"
        return try await execute(uri: path, method: .post, headers: allHeaders, body: ByteBuffer(bytes: body)) { try JSONBody($0) }
    }

    func delete(_ path: String) async throws -> JSONBody {
        try await execute(uri: path, method: .delete) { try JSONBody($0) }
    }
}

extension Data {
    init(buffer: ByteBuffer) {
        self.init(buffer.readableBytesView)
    }
}

/// Runs `body` with the test server's PostgreSQL confined to a schema of its own (`options`, such as
/// `&pool_size=1`, added to its URL), then drops the schema whatever happened.
func withPostgresSchema(options: String = "", _ body: (PostgresDatabase) async throws -> Void) async throws {
    try await PostgresWorlds.admitted { try await withSchema(options: options, body) }
}

private func withSchema(options: String, _ body: (PostgresDatabase) async throws -> Void) async throws {
    let base = ProcessInfo.processInfo.environment["DARKROOM_TEST_POSTGRES_URL"]!
    let schema = "s_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    let admin = try PostgresDatabase(url: base, maximumConnections: 1)
    try await admin.execute(SQL(stringLiteral: "CREATE SCHEMA \(schema)"))
    let database = try PostgresDatabase(url: base + (base.contains("?") ? "&" : "?") + "search_path=" + schema + options)
    do {
        try await body(database)
    } catch {
        await database.close()
        _ = try? await admin.execute(SQL(stringLiteral: "DROP SCHEMA \(schema) CASCADE"))
        await admin.close()
        throw error
    }
    await database.close()
    try await admin.execute(SQL(stringLiteral: "DROP SCHEMA \(schema) CASCADE"))
    await admin.close()
}

/// How many PostgreSQL worlds the suites hold open at once. Each holds up to a dozen of the server's connections (its
/// pool, lookups, listeners, an admin) and every suite runs in parallel: unbounded, a full run went past the server's
/// `max_connections` and waited out pool timeouts on the 2-core CI machine, which gains nothing from more at once.
/// A world opened inside an admitted one (a restore's copy, a second server) is let through, or two tests holding the
/// last places could wait for each other for ever.
enum PostgresWorlds {
    @TaskLocal private static var admittedHere = false
    private static let gate = Gate(places: 16)

    static func admitted<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        if admittedHere { return try await body() }
        await gate.enter()
        do {
            let result = try await $admittedHere.withValue(true) { try await body() }
            await gate.leave()
            return result
        } catch {
            await gate.leave()
            throw error
        }
    }

    private actor Gate {
        private var free: Int
        private var waiting: [CheckedContinuation<Void, Never>] = []

        init(places: Int) { free = places }

        func enter() async {
            if free > 0 {
                free -= 1
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        /// A waiting world takes the place over directly, so no newcomer can slip in between.
        func leave() {
            if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
        }
    }
}

/// Waits (in real time) until `condition` holds, for at most `seconds`: for what happens on real sockets and in other
/// tasks (a receiver's request, a stream's next event), which no injected clock drives. A passing test waits only as
/// long as it takes; the limit is generous because the whole suite shares two cores in CI.
func eventually(_ seconds: Double = 20, _ condition: () async throws -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
}
