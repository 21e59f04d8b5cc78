import ArgumentParser
import DarkroomAPI
import DarkroomCommands
import DarkroomCore
import DarkroomStorage
import Foundation
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// What open live streams (`/v1/stream`) cost a server while nothing happens: `streams` people each hold one open, and
/// the process's CPU is measured over a quiet interval (the clients only read and discard what arrives). A stream should
/// cost next to nothing until there is something to send it. Measured on the 2-core machine (SQLite): 34–44% of a core
/// when each stream polled the database four times a second, 5.5% since they wait on `LiveSignal`; on PostgreSQL 88% plus
/// ~80% of PostgreSQL's, against 5.8% plus 0.5%.
struct StreamsBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "streams",
        abstract: "Measure the CPU a server spends on idle live streams."
    )

    @OptionGroup var storage: StorageOptions
    @Option(help: "Open streams, one per person.") var streams = 1000
    @Option(help: "Seconds measured once every stream is open.") var seconds = 10

    func run() async throws {
        bootstrapLogging(level: .warning)
        try await storage.withStorage { opened in
            let client = try await opened.clients.create(name: "bench streams", redirectURIs: ["http://localhost/cb"])
            var tokens: [String] = []
            let prefix = "bench_st_\(opened.environment.randomHex(bytes: 3))"
            for index in 0..<streams {
                let user = try await opened.users.create(NewUser(username: "\(prefix)_\(index)"))
                tokens.append(try await opened.tokens.create(userID: user.id, client: client, scopes: [.basic]))
            }
            var configuration = AppConfiguration(port: 0)
            configuration.rateLimitPerToken = 1_000_000
            configuration.streamLimits = .init(perPerson: 4, perServer: streams + 10)
            let seconds = self.seconds
            let allTokens = tokens
            let result = Mutex<[String: Any]>([:])
            try await withBenchServer(configuration: configuration, storage: opened, routes: []) { base in
                let port = Int(base.split(separator: ":").last!)!
                let opening = ContinuousClock.now
                let readers = try await IdleStreamReaders.open(tokens: allTokens, port: port)
                while readers.connected() < allTokens.count, ContinuousClock.now - opening < .seconds(60) {
                    try await Task.sleep(for: .milliseconds(50))
                }
                let connected = readers.connected()
                // Let the opening settle before measuring.
                try await Task.sleep(for: .seconds(2))
                let cpuBefore = processCPUSeconds()
                let othersBefore = ProgramCPU.snapshot()
                let bytesBefore = readers.bytes()
                try await Task.sleep(for: .seconds(seconds))
                let cpu = processCPUSeconds() - cpuBefore
                // A PostgreSQL server on this machine: what its processes spent meanwhile (idle streams should cost it nothing).
                let postgres = (ProgramCPU.snapshot()["postgres"] ?? 0) - (othersBefore["postgres"] ?? 0)
                let bytes = readers.bytes() - bytesBefore
                await readers.close()
                result.withLock {
                    $0 = [
                        "streams_open": connected,
                        "cpu_seconds": cpu.rounded(toPlaces: 3),
                        "cpu_percent_of_one_core": (cpu / Double(seconds) * 100).rounded(toPlaces: 2),
                        "cpu_us_per_stream_second": (cpu / Double(seconds) / Double(max(connected, 1)) * 1e6).rounded(toPlaces: 2),
                        "bytes_received_per_stream_second": (Double(bytes) / Double(seconds) / Double(max(connected, 1))).rounded(toPlaces: 1),
                        "postgres_cpu_percent_of_one_core_on_this_machine": (postgres / Double(seconds) * 100).rounded(toPlaces: 2),
                    ]
                }
            }
            var report = result.withLock { $0 }
            report["machine"] = machineDescription()
            report["database"] = opened.database.displayName
            report["seconds"] = seconds
            try printJSON(report)
        }
    }
}

/// Plain TCP clients that ask for a stream each and count what they read, so the measured process does as little
/// client work as a stream allows.
final class IdleStreamReaders: Sendable {
    private let channels: [any Channel]
    private let counters: Counters

    final class Counters: Sendable {
        let connected = Atomic<Int>(0)
        let bytes = Atomic<Int>(0)
    }

    private init(channels: [any Channel], counters: Counters) {
        self.channels = channels
        self.counters = counters
    }

    func connected() -> Int { counters.connected.load(ordering: .relaxed) }
    func bytes() -> Int { counters.bytes.load(ordering: .relaxed) }

    func close() async {
        for channel in channels { try? await channel.close() }
    }

    static func open(tokens: [String], port: Int) async throws -> IdleStreamReaders {
        let counters = Counters()
        var channels: [any Channel] = []
        for token in tokens {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Reader(counters: counters)) }
                }
                .connect(host: "127.0.0.1", port: port).get()
            let request = "GET /v1/stream?access_token=\(token) HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
            try await channel.writeAndFlush(ByteBuffer(string: request))
            channels.append(channel)
        }
        return IdleStreamReaders(channels: channels, counters: counters)
    }

    private final class Reader: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let counters: Counters
        private let seenStart = Atomic<Bool>(false)

        init(counters: Counters) { self.counters = counters }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            counters.bytes.add(buffer.readableBytes, ordering: .relaxed)
            if !seenStart.load(ordering: .relaxed) {
                seenStart.store(true, ordering: .relaxed)
                if buffer.getString(at: buffer.readerIndex, length: min(12, buffer.readableBytes)) == "HTTP/1.1 200" {
                    counters.connected.add(1, ordering: .relaxed)
                }
            }
        }
    }
}
