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
